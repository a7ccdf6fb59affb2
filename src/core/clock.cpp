#include "solarhook/core/clock.hpp"

#include <algorithm>

namespace solarhook {
namespace {

// `width` decimal digits of `v`, zero-padded, at `p`.
char* put_digits(char* p, long long v, int width) {
    for (int i = width - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

}  // namespace

std::int64_t to_unix_ms(clock::time_point tp) {
    return std::chrono::floor<std::chrono::milliseconds>(tp.time_since_epoch()).count();
}

clock::time_point from_unix_ms(std::int64_t ms) {
    using namespace std::chrono;
    static const std::int64_t lo =
        ceil<milliseconds>(clock::time_point::min().time_since_epoch()).count();
    static const std::int64_t hi =
        floor<milliseconds>(clock::time_point::max().time_since_epoch()).count();
    return clock::time_point{milliseconds{std::clamp(ms, lo, hi)}};
}

void append_rfc3339(std::string& out, clock::time_point tp) {
    // Calendar arithmetic from <chrono>, not gmtime_r + fmt: every log line has a
    // timestamp, and those two cost 8.7k instructions a request (callgrind), most of
    // it gmtime_r's time-zone lock and lookups, which UTC does not need.
    using namespace std::chrono;
    const auto day = floor<days>(tp);
    const year_month_day ymd{day};
    const hh_mm_ss hms{floor<microseconds>(tp - day)};
    char buf[32];
    char* p = put_digits(buf, static_cast<int>(ymd.year()), 4);
    *p++ = '-';
    p = put_digits(p, static_cast<unsigned>(ymd.month()), 2);
    *p++ = '-';
    p = put_digits(p, static_cast<unsigned>(ymd.day()), 2);
    *p++ = 'T';
    p = put_digits(p, hms.hours().count(), 2);
    *p++ = ':';
    p = put_digits(p, hms.minutes().count(), 2);
    *p++ = ':';
    p = put_digits(p, hms.seconds().count(), 2);
    *p++ = '.';
    p = put_digits(p, hms.subseconds().count(), 6);
    *p++ = 'Z';
    out.append(buf, p);
}

std::string format_rfc3339(clock::time_point tp) {
    std::string out;
    append_rfc3339(out, tp);
    return out;
}

}  // namespace solarhook

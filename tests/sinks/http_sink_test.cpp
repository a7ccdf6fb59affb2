#include "solarhook/sinks/http_sink.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <map>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "solarhook/config/config.hpp"
#include "solarhook/deliver/engine.hpp"
#include "solarhook/deliver/journal.hpp"
#include "solarhook/sinks/drivers.hpp"
#include "support/http_recorder.hpp"
#include "support/one_attempt.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace solarhook::sinks {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

route::compiled_sink http_of(json sink, const std::string& types = "*") {
    sink["kind"] = "http";
    const auto cfg = apply_config_json(
        config{}, {{"sinks", {{"s", sink}}},
                   {"routes", {{{"match", {{"types", {types}}}}, {"sinks", {"s"}}}}}});
    return *route::router(cfg.routing).sink("s");
}

deliver::attempt_result attempt(deliver::sink_driver& d, boost::asio::io_context& io,
                                const json& ev) {
    return test::one_attempt(d, io, ev);
}

const json k_event = {{"type", "customer_status_change"},
                      {"key", "k"},
                      {"id", 5},
                      {"customer_id", 12345},
                      {"customer_name", "Jane \"JJ\" O'Neil\n\\ {x} 🎉"},
                      {"new_status", 2},
                      {"raw", {{"pkcustomerid", 12345}}}};

TEST(http_url, parses_what_a_sink_may_name) {
    auto u = parse_http_url("https://crm.example.com/api/contacts?x=1#frag");
    EXPECT_TRUE(u.tls);
    EXPECT_EQ(u.host, "crm.example.com");
    EXPECT_EQ(u.port, "443");
    EXPECT_EQ(u.target, "/api/contacts?x=1");
    u = parse_http_url("http://[::1]:8081");
    EXPECT_EQ(u.host, "::1");
    EXPECT_EQ(u.port, "8081");
    EXPECT_EQ(u.target, "/");
    EXPECT_EQ(parse_http_url("http://h?q").target, "/?q");
    EXPECT_THROW(parse_http_url("ftp://h"), std::invalid_argument);
    EXPECT_THROW(parse_http_url("http://u:p@h/"), std::invalid_argument);
    // Nothing in a URL may end the request line.
    EXPECT_THROW(parse_http_url("http://h/x HTTP/1.1\r\nX-Evil: 1"), std::invalid_argument);
    EXPECT_THROW(parse_http_url("http://h/x\ny"), std::invalid_argument);
    EXPECT_THROW(parse_http_url(std::string("http://h/x\0y", 12)), std::invalid_argument);
    EXPECT_THROW(parse_http_url("http://h:0/"), std::invalid_argument);
    EXPECT_THROW(parse_http_url("http:///x"), std::invalid_argument);
}

TEST(http_sink, retry_after_takes_seconds_or_an_http_date) {
    const auto now =
        std::chrono::system_clock::from_time_t(1'700'000'000);  // Tue, 14 Nov 2023 22:13:20
    EXPECT_EQ(parse_retry_after("2", now), 2000ms);
    EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", now), 30'000ms);
    EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now), 0ms);
    EXPECT_FALSE(parse_retry_after("soon", now));
    EXPECT_FALSE(parse_retry_after("", now));
    EXPECT_EQ(classify_status(204), deliver::attempt_kind::success);
    for (int s : {408, 425, 429, 500, 502, 503}) {
        EXPECT_EQ(classify_status(s), deliver::attempt_kind::retry) << s;
    }
    for (int s : {301, 400, 401, 404, 410, 422}) {
        EXPECT_EQ(classify_status(s), deliver::attempt_kind::permanent) << s;
    }
}

TEST(http_sink, posts_the_rendered_body_and_headers_and_keeps_the_connection) {
    test::http_recorder server;
    ::setenv("SOLARHOOK_TEST_TOKEN", "s3cret", 1);
    boost::asio::io_context io;
    http_sink h(
        http_of({{"url", server.url("/ok")},
                 {"headers", {{"Authorization", "Bearer ${env:SOLARHOOK_TEST_TOKEN}"}}},
                 {"body", {{"text", "🎉 {customer_name} signed!"}, {"id", "{customer_id}"}}}},
                "customer_status_change"),
        io);
    ::unsetenv("SOLARHOOK_TEST_TOKEN");
    for (int i = 0; i < 3; ++i) {
        const auto r = attempt(h, io, k_event);
        EXPECT_EQ(r.kind, deliver::attempt_kind::success) << r.error;
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.response, R"({"ok":true})");
    }
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 3u);
    const auto body = json::parse(reqs[0]["body"].get<std::string>());
    EXPECT_EQ(body["text"], "🎉 " + k_event["customer_name"].get<std::string>() + " signed!");
    EXPECT_EQ(body["id"], 12345);
    EXPECT_EQ(reqs[0]["headers"]["Authorization"], "Bearer s3cret");
    EXPECT_EQ(reqs[0]["headers"]["Content-Type"], "application/json");
    EXPECT_EQ(reqs[0]["method"], "POST");
    EXPECT_EQ(reqs[0]["headers"]["Host"], server.url("").substr(7));  // 127.0.0.1:port
    EXPECT_EQ(reqs[0]["headers"]["User-Agent"], "solarhook/" SOLARHOOK_VERSION);
    EXPECT_EQ(reqs[0]["client_port"], reqs[2]["client_port"]) << "one kept-alive connection";
}

TEST(http_sink, a_configured_header_replaces_the_default_of_that_name) {
    test::http_recorder server;
    boost::asio::io_context io;
    http_sink h(http_of({{"url", server.url("/ok")},
                         {"headers",
                          {{"content-type", "application/vnd.crm+json"},
                           {"User-Agent", "crm-sync"},
                           {"X-Trace", "a\tb"}}}}),
                io);
    EXPECT_EQ(attempt(h, io, k_event).kind, deliver::attempt_kind::success);
    const auto r = server.requests().at(0);
    std::map<std::string, std::vector<std::string>> seen;  // lower-cased name -> values
    for (const auto& kv : r["header_list"]) {
        auto name = kv[0].get<std::string>();
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        seen[name].push_back(kv[1].get<std::string>());
    }
    using values = std::vector<std::string>;
    EXPECT_EQ(seen["content-type"], values{"application/vnd.crm+json"});
    EXPECT_EQ(seen["user-agent"], values{"crm-sync"});
    EXPECT_EQ(seen["x-trace"], values{"a\tb"});
    EXPECT_EQ(seen["host"].size(), 1u);
    EXPECT_EQ(seen["content-length"], values{std::to_string(r["body"].get<std::string>().size())});
}

TEST(http_sink, without_a_body_it_sends_the_normalized_event_with_the_method_asked) {
    test::http_recorder server;
    boost::asio::io_context io;
    http_sink h(
        http_of({{"url", server.url("/ok/{customer_id}?n={customer_name}")}, {"method", "PUT"}},
                "customer_status_change"),
        io);
    EXPECT_EQ(attempt(h, io, k_event).kind, deliver::attempt_kind::success);
    const auto r = server.requests().at(0);
    EXPECT_EQ(r["method"], "PUT");
    EXPECT_EQ(json::parse(r["body"].get<std::string>()), k_event);
    EXPECT_EQ(r["path"].get<std::string>().substr(0, 22), "/ok/12345?n=Jane%20%22");
}

TEST(http_sink, statuses_errors_and_timeouts) {
    test::http_recorder server;
    boost::asio::io_context io;
    const auto one = [&](const std::string& url, int timeout_ms = 10'000) {
        http_sink h(http_of({{"url", url}, {"timeout_ms", timeout_ms}}), io);
        return attempt(h, io, k_event);
    };
    auto r = one(server.url("/status/500"));
    EXPECT_EQ(r.kind, deliver::attempt_kind::retry);
    EXPECT_EQ(r.error, "HTTP 500");
    EXPECT_EQ(r.response, R"({"error":"scripted"})");
    r = one(server.url("/status/400"));
    EXPECT_EQ(r.kind, deliver::attempt_kind::permanent);
    EXPECT_EQ(r.status, 400);
    r = one(server.url("/status/429"));
    EXPECT_EQ(r.kind, deliver::attempt_kind::retry);
    r = one(server.url("/redirect"));
    EXPECT_EQ(r.kind, deliver::attempt_kind::permanent);
    EXPECT_EQ(r.error, "HTTP 302: redirect to /ok not followed");
    r = one(server.url("/slow/2000"), 300);
    EXPECT_EQ(r.kind, deliver::attempt_kind::retry);
    EXPECT_NE(r.error.find("timed out after 300 ms"), std::string::npos) << r.error;
    r = one("http://127.0.0.1:1/");
    EXPECT_EQ(r.kind, deliver::attempt_kind::retry);
    EXPECT_NE(r.error.find("connecting to 127.0.0.1:1"), std::string::npos) << r.error;
    r = one(server.url("/close"));
    EXPECT_EQ(r.kind, deliver::attempt_kind::success);
}

TEST(http_sink, interim_answers_are_skipped_and_each_attempt_gets_its_own_final_answer) {
    test::http_recorder server;
    boost::asio::io_context io;
    http_sink h(http_of({{"url", server.url("/interim/1/200")}}), io);
    for (int i = 1; i <= 3; ++i) {
        const auto r = attempt(h, io, k_event);
        EXPECT_EQ(r.kind, deliver::attempt_kind::success) << r.error;
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(json::parse(r.response, nullptr, false), json({{"n", i}})) << "attempt " << i;
    }
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 3u);
    EXPECT_EQ(reqs[0]["client_port"], reqs[2]["client_port"]) << "one kept-alive connection";

    http_sink failing(http_of({{"url", server.url("/interim/2/503")}}), io);
    auto r = attempt(failing, io, k_event);
    EXPECT_EQ(r.kind, deliver::attempt_kind::retry);
    EXPECT_EQ(r.error, "HTTP 503");
    // Past the bound the attempt ends: a server that never gives a final answer
    // cannot hold it until its timeout.
    http_sink endless(http_of({{"url", server.url("/interim/9/200")}}), io);
    r = attempt(endless, io, k_event);
    EXPECT_EQ(r.kind, deliver::attempt_kind::retry);
    EXPECT_NE(r.error.find("more than 8 interim (1xx) responses"), std::string::npos) << r.error;
    EXPECT_EQ(server.requests().size(), 5u) << "nothing sent twice";
}

TEST(http_sink, a_101_is_permanent_and_its_connection_is_not_reused) {
    test::http_recorder server;
    boost::asio::io_context io;
    // One sink, so one pool: the status comes from the event.
    http_sink h(http_of({{"url", server.url("/status/{customer_id}")}}, "customer_status_change"),
                io);
    auto ev = k_event;
    ev["customer_id"] = 101;
    auto r = attempt(h, io, ev);
    EXPECT_EQ(r.kind, deliver::attempt_kind::permanent);
    EXPECT_EQ(r.status, 101);
    // After a protocol switch the connection speaks something else (here, the bytes
    // the server sent after the 101): the next attempt must not read them.
    ev["customer_id"] = 200;
    r = attempt(h, io, ev);
    EXPECT_EQ(r.kind, deliver::attempt_kind::success) << r.error;
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_NE(reqs[0]["client_port"], reqs[1]["client_port"]) << "a new connection";
}

TEST(http_sink, an_answer_whose_body_is_cut_short_keeps_its_status) {
    test::http_recorder server;
    boost::asio::io_context io;
    const auto one = [&](const std::string& path, int timeout_ms) {
        http_sink h(http_of({{"url", server.url(path)}, {"timeout_ms", timeout_ms}}), io);
        return attempt(h, io, k_event);
    };
    // Closed after 10 of 100 bytes: the 200 was said, so sending again would act twice.
    auto r = one("/cut-body/200/0", 10'000);
    EXPECT_EQ(r.kind, deliver::attempt_kind::success) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.response, "0123456789");
    // Stalled past the timeout after the headers: the same.
    r = one("/cut-body/200/2000", 300);
    EXPECT_EQ(r.kind, deliver::attempt_kind::success) << r.error;
    EXPECT_EQ(r.status, 200);
    r = one("/cut-body/503/0", 10'000);
    EXPECT_EQ(r.kind, deliver::attempt_kind::retry);
    EXPECT_EQ(r.error, "HTTP 503");
    EXPECT_EQ(server.requests().size(), 3u) << "nothing sent twice";
}

TEST(http_sink, tls_is_verified_against_the_ca_store) {
    test::temp_dir pki;
    test::make_test_pki(pki.path().string());
    test::http_recorder server(pki.file("cert.pem"), pki.file("key.pem"));
    boost::asio::io_context io;
    {
        // Not in the CA store: retried, with the reason.
        ::setenv("SSL_CERT_FILE", "/nonexistent/ca.pem", 1);
        http_sink h(http_of({{"url", server.url("/ok", true)}}), io);
        const auto r = attempt(h, io, k_event);
        EXPECT_EQ(r.kind, deliver::attempt_kind::retry);
        EXPECT_NE(r.error.find("TLS handshake with localhost"), std::string::npos) << r.error;
        EXPECT_NE(r.error.find("certificate"), std::string::npos) << r.error;
    }
    {
        ::setenv("SSL_CERT_FILE", pki.file("ca.pem").c_str(), 1);
        http_sink h(http_of({{"url", server.url("/ok", true)}}), io);
        const auto r = attempt(h, io, k_event);
        EXPECT_EQ(r.kind, deliver::attempt_kind::success) << r.error;
    }
    ::unsetenv("SSL_CERT_FILE");
    EXPECT_EQ(server.requests().size(), 1u);
}

// Through the engine: what the retry policy makes of the answers.
struct engine_rig {
    deliver::memory_journal journal;
    system_clock clk;
    deliver::engine engine{journal, clk, make_driver, {4096, 20ms}};

    void start(const json& sinks) {
        json cfg = {{"sinks", sinks}, {"routes", json::array()}};
        for (const auto& [name, v] : sinks.items()) {
            cfg["routes"].push_back({{"match", {{"types", {"*"}}}}, {"sinks", {name}}});
        }
        engine.start(
            std::make_shared<const route::router>(apply_config_json(config{}, cfg).routing));
    }
    void send(std::int64_t id, const std::string& sink, const std::string& customer,
              json ev = k_event) {
        ev["id"] = id;
        engine.submit({deliver::job{id, id, sink, customer, 0, 0,
                                    to_unix_ms(std::chrono::system_clock::now()),
                                    std::make_shared<const json>(std::move(ev))}});
    }
};

json http_sink_at(const std::string& url) {
    return {{"kind", "http"}, {"url", url}, {"retry", {{"initial_ms", 50}, {"max_ms", 100}}}};
}

TEST(http_delivery, a_500_then_200_is_delivered_once_after_a_retry) {
    test::http_recorder server;
    engine_rig rig;
    rig.start({{"crm", http_sink_at(server.url("/flaky/a/1/500"))}});
    rig.send(1, "crm", "A");
    ASSERT_TRUE(test::eventually([&] { return rig.engine.counts()["crm"].delivered == 1; }));
    EXPECT_EQ(server.requests().size(), 2u);
    EXPECT_EQ(rig.engine.counts()["crm"].retried, 1u);
    rig.engine.stop(1s);
}

TEST(http_delivery, a_400_is_dead_at_once) {
    test::http_recorder server;
    engine_rig rig;
    rig.start({{"crm", http_sink_at(server.url("/status/400"))}});
    rig.send(1, "crm", "A");
    ASSERT_TRUE(test::eventually([&] { return rig.engine.counts()["crm"].dead == 1; }));
    EXPECT_EQ(server.requests().size(), 1u);
    rig.engine.stop(1s);
}

TEST(http_delivery, retry_after_is_the_least_delay) {
    test::http_recorder server;
    engine_rig rig;
    rig.start({{"crm", http_sink_at(server.url("/retry-after/x/2"))}});
    rig.send(1, "crm", "A");
    ASSERT_TRUE(test::eventually([&] { return rig.engine.counts()["crm"].delivered == 1; }));
    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_GE(reqs[1]["t"].get<double>() - reqs[0]["t"].get<double>(), 1.95);
    rig.engine.stop(1s);
}

TEST(http_delivery, slack_failing_never_reposts_to_the_crm) {
    test::http_recorder server;
    engine_rig rig;
    rig.start({{"crm", http_sink_at(server.url("/ok"))},
               {"slack", http_sink_at(server.url("/flaky/slack/3/500"))}});
    rig.send(1, "crm", "A");
    rig.send(2, "slack", "A");
    ASSERT_TRUE(test::eventually([&] { return rig.engine.counts()["slack"].delivered == 1; }));
    EXPECT_EQ(server.requests_to("/ok").size(), 1u) << "the CRM got exactly one request";
    EXPECT_EQ(server.requests_to("/flaky/slack/3/500").size(), 4u);
    rig.engine.stop(1s);
}

TEST(http_delivery, one_customer_waits_for_its_failing_delivery_while_another_goes_on) {
    test::http_recorder server;
    engine_rig rig;
    // Customer 1's path fails twice; customer 2's never.
    rig.start({{"crm", http_sink_at(server.url("/flaky/c{raw.c}/{raw.n}/500?id={id}"))}});
    auto a = k_event;
    a["raw"]["c"] = 1;
    a["raw"]["n"] = 2;
    auto b = k_event;
    b["raw"]["c"] = 2;
    b["raw"]["n"] = 0;
    rig.send(1, "crm", "customer:1", a);
    rig.send(2, "crm", "customer:1", a);
    rig.send(3, "crm", "customer:2", b);
    rig.send(4, "crm", "customer:2", b);
    ASSERT_TRUE(test::eventually([&] { return rig.engine.counts()["crm"].delivered == 4; }));
    std::vector<std::string> order;
    for (const auto& r : server.requests()) {
        order.push_back(r["path"].get<std::string>());
    }
    const auto at = [&](const std::string& p) {
        return std::find(order.begin(), order.end(), p) - order.begin();
    };
    const auto a1_last =
        order.rend() - std::find(order.rbegin(), order.rend(), "/flaky/c1/2/500?id=1") - 1;
    EXPECT_EQ(std::count(order.begin(), order.end(), "/flaky/c1/2/500?id=1"), 3)
        << "A's first event failed twice, then went";
    EXPECT_EQ(std::count(order.begin(), order.end(), "/flaky/c1/2/500?id=2"), 1);
    EXPECT_GT(at("/flaky/c1/2/500?id=2"), a1_last) << "A's second event waited for its first";
    EXPECT_LT(at("/flaky/c2/0/500?id=4"), a1_last) << "B's events went meanwhile";
    rig.engine.stop(1s);
}

}  // namespace
}  // namespace solarhook::sinks

#include "solarhook/sinks/exec_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>

// Boost 1.81's Process v2 names boost::optional and boost's type traits but gets
// them only through Boost.Filesystem's headers; with std::filesystem
// (BOOST_PROCESS_USE_STD_FS, which spares linking Boost.Filesystem) they must come
// first. A block of its own, so that include sorting keeps this order.
#include <boost/optional.hpp>
#include <boost/type_traits.hpp>

#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>

#include "solarhook/sinks/spawn.hpp"

extern char** environ;

namespace solarhook::sinks {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process::v2;
using boost::system::error_code;

// One child: its pipes, timers and what it printed. Lives until the last of
// its handlers has run.
struct run : std::enable_shared_from_this<run> {
    run(asio::io_context& io, std::function<void(deliver::attempt_result)> d)
        : out(io), err(io), term(io), kill(io), grace(io), done(std::move(d)) {}

    asio::readable_pipe out;
    asio::readable_pipe err;
    std::optional<bp::process> child;
    asio::steady_timer term;
    asio::steady_timer kill;
    asio::steady_timer grace;
    std::string stdout_text;
    std::string stderr_text;
    std::array<char, 4096> out_buf{};
    std::array<char, 4096> err_buf{};
    int open_pipes = 2;
    bool exited = false;
    int exit_code = 0;
    const char* killed_by = nullptr;  // "SIGTERM" / "SIGKILL" when the timeout ended it
    std::chrono::milliseconds timeout{0};
    std::vector<int> permanent;
    std::function<void(deliver::attempt_result)> done;

    void read(asio::readable_pipe& p, std::array<char, 4096>& buf, std::string& keep) {
        p.async_read_some(asio::buffer(buf), [self = shared_from_this(), &p, &buf, &keep](
                                                 const error_code& ec, std::size_t n) {
            keep.append(buf.data(),
                        std::min(n, exec_sink::k_output_kept -
                                        std::min(keep.size(), exec_sink::k_output_kept)));
            if (ec) {
                --self->open_pipes;
                self->maybe_finish();
                return;
            }
            self->read(p, buf, keep);  // drained to the end, so the child never blocks on it
        });
    }

    void maybe_finish() {
        if (!exited || !done) {
            return;
        }
        if (open_pipes > 0) {
            // A grandchild may hold the pipes open: what was read so far is kept.
            grace.expires_after(std::chrono::milliseconds(100));
            grace.async_wait([self = shared_from_this()](const error_code& ec) {
                if (!ec) {
                    error_code ignored;
                    self->out.close(ignored);
                    self->err.close(ignored);
                    self->open_pipes = 0;
                    self->maybe_finish();
                }
            });
            return;
        }
        grace.cancel();
        deliver::attempt_result r;
        r.status = exit_code;
        r.response = stdout_text;
        if (!stderr_text.empty()) {
            r.response += r.response.empty() ? "" : "\n";
            r.response += stderr_text;
        }
        const auto tail = stderr_text.empty() ? std::string() : ": " + stderr_text;
        if (killed_by != nullptr) {
            r.kind = deliver::attempt_kind::retry;
            r.status.reset();
            r.error = fmt::format("timed out after {} ms; ended by {}{}", timeout.count(),
                                  killed_by, tail);
        } else if (exit_code == 0) {
            r.kind = deliver::attempt_kind::success;
        } else if (std::find(permanent.begin(), permanent.end(), exit_code) != permanent.end()) {
            r.kind = deliver::attempt_kind::permanent;
            r.error = fmt::format("exit code {} (permanent){}", exit_code, tail);
        } else {
            r.kind = deliver::attempt_kind::retry;
            r.error = fmt::format("exit code {}{}", exit_code, tail);
        }
        auto d = std::move(done);
        done = nullptr;
        d(std::move(r));
    }
};

std::vector<std::string> environment_with(
    std::initializer_list<std::pair<std::string, std::string>> add) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view kv(*e);
        const bool replaced = std::any_of(add.begin(), add.end(), [&](const auto& a) {
            return kv.size() > a.first.size() && kv.starts_with(a.first) &&
                   kv[a.first.size()] == '=';
        });
        if (!replaced) {
            env.emplace_back(kv);
        }
    }
    for (const auto& [k, v] : add) {
        env.push_back(k + "=" + v);
    }
    return env;
}

std::string text_of(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        return {};
    }
    return it->is_string() ? it->get<std::string>() : it->dump();
}

// Hands the child's pipes and pidfd to the io_context; what was handed on is
// marked -1 in c, so that on failure the caller closes only what is still its own.
bool watch(run& r, spawned_child& c, error_code& ec) {
    r.out.assign(c.pipes.stdout_read, ec);
    if (ec) {
        return false;
    }
    c.pipes.stdout_read = -1;
    r.err.assign(c.pipes.stderr_read, ec);
    if (ec) {
        return false;
    }
    c.pipes.stderr_read = -1;
    try {
        r.child.emplace(r.out.get_executor(), c.pid, c.pidfd);  // waits on the pidfd
    } catch (const boost::system::system_error& e) {
        ec = e.code();
        return false;
    }
    c.pidfd = -1;
    return true;
}

}  // namespace

exec_sink::exec_sink(const route::compiled_sink& sink, asio::io_context& io, spawner spawn)
    : sink_(sink), io_(io), spawn_(std::move(spawn)) {}

void exec_sink::start(const nlohmann::json& normalized,
                      std::function<void(deliver::attempt_result)> done) {
    auto r = std::make_shared<run>(io_, std::move(done));
    r->timeout = sink_.config.timeout;
    r->permanent = sink_.config.permanent_exit_codes;
    auto payload = normalized.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    payload += '\n';
    std::vector<std::string> argv;
    for (const auto& t : sink_.command) {
        argv.push_back(t.render(normalized));
    }
    try {
        bp::filesystem::path exe = argv.at(0);
        if (argv[0].find('/') == std::string::npos) {
            exe = bp::environment::find_executable(argv[0]);
            if (exe.empty()) {
                throw std::runtime_error(fmt::format("{}: not found in PATH", argv[0]));
            }
        }
        const auto env = environment_with({{"SOLARHOOK_TYPE", text_of(normalized, "type")},
                                           {"SOLARHOOK_KEY", text_of(normalized, "key")},
                                           {"SOLARHOOK_EVENT_ID", text_of(normalized, "id")}});
        argv[0] = exe.string();
        error_code ec;
        auto child = spawn_(argv[0], argv, env, payload, ec);
        if (ec) {
            throw std::runtime_error(fmt::format("{}: {}", argv[0], ec.message()));
        }
        if (!watch(*r, child, ec)) {
            // Running but unwatchable: it could be neither waited for nor timed out,
            // and a retry would run it a second time, so it is ended before the retry.
            error_code ignored;
            r->out.close(ignored);
            r->err.close(ignored);
            end_child(child);
            throw std::runtime_error(
                fmt::format("{}: cannot watch the child: {}", argv[0], ec.message()));
        }
    } catch (const std::exception& e) {
        asio::post(io_, [r, why = std::string(e.what())] {
            auto d = std::move(r->done);
            d(deliver::attempt_result{deliver::attempt_kind::retry,
                                      fmt::format("cannot start the command: {}", why),
                                      {},
                                      {},
                                      {}});
        });
        return;
    }
    r->read(r->out, r->out_buf, r->stdout_text);
    r->read(r->err, r->err_buf, r->stderr_text);
    r->term.expires_after(r->timeout);
    r->term.async_wait([r](const error_code& ec) {
        if (ec || r->exited) {
            return;
        }
        r->killed_by = "SIGTERM";
        error_code ignored;
        r->child->request_exit(ignored);
        r->kill.expires_after(k_kill_after);
        r->kill.async_wait([r](const error_code& ec2) {
            if (ec2 || r->exited) {
                return;
            }
            r->killed_by = "SIGKILL";
            error_code ignored2;
            r->child->terminate(ignored2);
        });
    });
    r->child->async_wait([r](const error_code& ec, int code) {
        r->exited = true;
        r->exit_code = ec ? -1 : code;
        r->term.cancel();
        r->kill.cancel();
        r->maybe_finish();
    });
}

}  // namespace solarhook::sinks

// The real server on 127.0.0.1 with an ephemeral port, exercised over real HTTP.
#include "solarhook/http/server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <random>
#include <thread>

#include "support/http_client.hpp"
#include "support/log_capture.hpp"
#include "support/test_service.hpp"
#include "support/together.hpp"
#include "support/wait.hpp"

namespace solarhook {
namespace {

using namespace std::chrono_literals;
using test::post;
using test::raw_connection;
using test::read_sample;
const std::string k_path = "/webhooks/solarproof";

std::string raw_post(const std::string& body, const std::string& extra_headers = "",
                     const std::string& version = "1.1") {
    return "POST " + k_path + " HTTP/" + version + "\r\nHost: x\r\n" + extra_headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class server_test : public ::testing::Test {
  protected:
    test::log_capture logs;
};

TEST(run_io_thread, a_handler_that_throws_is_logged_and_the_loop_goes_on) {
    test::log_capture logs;
    boost::asio::io_context ioc;
    bool later_ran = false;
    boost::asio::post(ioc, [] { throw std::runtime_error("a bug in one handler"); });
    boost::asio::post(ioc, [] { throw 42; });
    boost::asio::post(ioc, [&] { later_ran = true; });
    EXPECT_EQ(http::run_io_thread(ioc), 2u);
    EXPECT_TRUE(later_ran);
    EXPECT_EQ(logs.count("an io handler threw; its connection is dropped"), 2u);
}

TEST(accept_waiting, takes_the_waiting_connections_up_to_its_bound_and_never_blocks) {
    namespace net = boost::asio;
    using tcp = net::ip::tcp;
    net::io_context ioc;
    tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
    acceptor.non_blocking(true);
    std::vector<tcp::socket> clients;
    for (int i = 0; i < 5; ++i) {
        clients.emplace_back(ioc);
        clients.back().connect(acceptor.local_endpoint());  // the kernel completes it
    }
    std::vector<tcp::socket> taken;
    const auto make = [&] { return tcp::socket(ioc); };
    const auto take = [&](tcp::socket s) { taken.push_back(std::move(s)); };
    EXPECT_EQ(http::accept_waiting(acceptor, 3, make, take), 3u);   // the bound
    EXPECT_EQ(http::accept_waiting(acceptor, 64, make, take), 2u);  // the rest
    EXPECT_EQ(http::accept_waiting(acceptor, 64, make, take), 0u);  // none: returns at once
    ASSERT_EQ(taken.size(), 5u);
    for (const auto& s : taken) {
        EXPECT_TRUE(s.is_open());
    }
}

TEST_F(server_test, all_reference_samples_are_accepted_with_their_type_then_duplicate) {
    test::running_service s;
    const std::vector<std::pair<std::string, std::string>> samples{
        {"customer_created.json", "customer_created"},
        {"customer_status_change.json", "customer_status_change"},
        {"project_email_sent.json", "project_email_sent"},
        {"project_sms_sent.json", "project_sms_sent"},
        {"published_proposal_link.json", "published_proposal_link"},
        {"recent_draft_project.json", "recent_draft_project"},
        {"v2/customer_created.json", "customer_created"},
    };
    for (const auto& [file, type] : samples) {
        const auto r = post(s.port(), k_path, read_sample(file));
        ASSERT_EQ(r.status, 200) << file << " " << r.body;
        const auto j = r.json();
        EXPECT_EQ(j["status"], "accepted");
        EXPECT_EQ(j["events"][0]["type"], type);
        EXPECT_EQ(j["events"][0]["result"], "accepted");
        EXPECT_EQ(r.header("content-type"), "application/json");
        EXPECT_FALSE(r.header("x-request-id").empty());
    }
    const auto dup = post(s.port(), k_path, read_sample("customer_created.json"));
    EXPECT_EQ(dup.status, 200);
    EXPECT_EQ(dup.json()["events"][0]["result"], "duplicate");
    // The v2 array form of project_email_sent is the same event as the v1 object.
    const auto wrapped = post(s.port(), k_path, read_sample("v2/project_email_sent.json"));
    EXPECT_EQ(wrapped.json()["events"][0]["result"], "duplicate");

    ASSERT_TRUE(s.recorder->wait_count(samples.size()));
    EXPECT_EQ(s.recorder->count(), samples.size());
}

TEST_F(server_test, url_type_path_form) {
    test::running_service s;
    auto r = post(s.port(), k_path + "/contract_signed", R"({"contract_id":9})");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json()["events"][0]["type"], "contract_signed");
    EXPECT_EQ(r.json()["events"][0]["result"], "unclassified");
    r = post(s.port(), k_path + "/project_sms_sent", read_sample("project_email_sent.json"));
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(r.json()["error"], "type_mismatch");
}

struct status_row {
    std::string name;
    std::string request;  // raw bytes
    int status;
    std::string error;
};

TEST_F(server_test, every_status_row_of_the_contract) {
    config c = test::test_config();
    c.limits.max_body_bytes = 1024;
    c.limits.max_header_bytes = 1024;
    test::running_service s(c);
    const std::string deep = std::string(33, '[') + std::string(33, ']');
    const std::vector<status_row> rows{
        {"malformed", raw_post(R"({"a":)"), 400, "malformed_json"},
        {"empty", raw_post(""), 400, "empty_body"},
        {"scalar", raw_post("42"), 400, "not_an_object"},
        {"array of scalars", raw_post("[1,2]"), 400, "not_an_object"},
        {"too deep", raw_post(deep), 400, "too_deep"},
        {"unknown path", "POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", 404,
         "not_found"},
        {"bad type segment",
         "POST " + k_path + "/A-B HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", 404,
         "not_found"},
        {"wrong method", "GET " + k_path + " HTTP/1.1\r\nHost: x\r\n\r\n", 405,
         "method_not_allowed"},
        {"wrong method on health", "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
         405, "method_not_allowed"},
        {"too large by length", raw_post(std::string(1025, ' ')), 413, "body_too_large"},
        {"too large chunked",
         "POST " + k_path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" +
             std::string(1024, ' ') + "\r\n10\r\n" + std::string(16, ' ') + "\r\n0\r\n\r\n",
         413, "body_too_large"},
        {"header too large",
         "POST " + k_path + " HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n",
         431, "header_too_large"},
        {"missing id", raw_post(R"({"activity_type":"email_sent","belongs_to_customer":1})"), 422,
         "invalid_event"},
        {"wrong id type", raw_post(R"({"pkcustomerquotationid":[1]})"), 422, "invalid_event"},
        {"too many events",
         raw_post("[{}" +
                  [] {
                      std::string more;
                      for (int i = 0; i < 100; ++i) {
                          more += ",{}";
                      }
                      return more;
                  }() +
                  "]"),
         413, "too_many_events"},
    };
    for (const auto& row : rows) {
        raw_connection conn(s.port());
        conn.send(row.request);
        const auto r = conn.read_reply();
        ASSERT_TRUE(r) << row.name;
        EXPECT_EQ(r->status, row.status) << row.name << ": " << r->body;
        const auto j = nlohmann::json::parse(r->body);
        EXPECT_EQ(j["error"], row.error) << row.name;
        EXPECT_TRUE(j["message"].is_string()) << row.name;
        EXPECT_TRUE(j["details"].is_array()) << row.name;
        if (row.status == 405) {
            EXPECT_FALSE(r->header("allow").empty()) << row.name;
        }
    }
    // The malformed-JSON answer says where.
    auto r = post(s.port(), k_path, R"({"a": tru})");
    EXPECT_EQ(r.json()["details"][0]["byte"], 10);  // where the bad literal ends
    EXPECT_EQ(test::request(s.port(), "GET", "/healthz").status, 200);  // the process is fine
    // Nothing any refused request carried reached a handler.
    EXPECT_EQ(post(s.port(), k_path, R"({"pkcustomerquotationid":77})").status, 200);
    s.svc->shutdown();
    ASSERT_EQ(s.recorder->count(), 1u);
    EXPECT_EQ(s.recorder->seen()[0].event.canonical, R"({"pkcustomerquotationid":77})");
}

TEST_F(server_test, wrong_method_allow_headers) {
    test::running_service s;
    EXPECT_EQ(test::request(s.port(), "PUT", k_path, "{}").header("allow"), "POST");
    EXPECT_EQ(test::request(s.port(), "DELETE", "/readyz").header("allow"), "GET");
}

TEST_F(server_test, strict_content_type_answers_415_and_lenient_accepts_with_a_warning) {
    config strict = test::test_config();
    strict.content_type = content_type_policy::strict;
    {
        test::running_service s(strict);
        const auto body = read_sample("recent_draft_project.json");
        auto r =
            post(s.port(), k_path, body, {{"Content-Type", "application/x-www-form-urlencoded"}});
        EXPECT_EQ(r.status, 415);
        EXPECT_EQ(r.json()["error"], "unsupported_media_type");
        EXPECT_EQ(post(s.port(), k_path, body, {}).status, 415);
        EXPECT_EQ(
            post(s.port(), k_path, body, {{"Content-Type", "application/json; charset=UTF-8"}})
                .status,
            200);
    }
    {
        test::running_service s;
        auto r = post(s.port(), k_path, read_sample("recent_draft_project.json"),
                      {{"Content-Type", "application/x-www-form-urlencoded"}});
        EXPECT_EQ(r.status, 200);
        EXPECT_GE(logs.count("content type is not JSON; parsing the body as JSON anyway"), 1u);
    }
}

TEST_F(server_test, smuggling_shapes_are_refused_with_400_and_closed) {
    test::running_service s;
    const std::string body = read_sample("recent_draft_project.json");
    const std::string len = std::to_string(body.size());
    const std::vector<std::string> attacks{
        "POST " + k_path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + len +
            "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST " + k_path +
            " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: " + len +
            "\r\n\r\n0\r\n\r\n",
        "POST " + k_path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n" + body,
        "POST " + k_path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + len +
            "\r\nContent-Length: " + len + "\r\n\r\n" + body,
        "POST " + k_path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + len +
            "\r\nContent-Length: 3\r\n\r\n" + body,
        "POST " + k_path + " HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST " + k_path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    };
    for (const auto& a : attacks) {
        raw_connection conn(s.port());
        conn.send(a);
        const auto r = conn.read_reply();
        ASSERT_TRUE(r) << a;
        EXPECT_EQ(r->status, 400) << a << "\n" << r->body;
        EXPECT_EQ(r->json()["error"], "bad_framing");
        EXPECT_TRUE(conn.closed_by_peer()) << a;
    }
    EXPECT_EQ(s.recorder->count(), 0u);
}

TEST_F(server_test, chunked_body_within_the_limit_is_accepted) {
    test::running_service s;
    const std::string body = read_sample("recent_draft_project.json");
    char size_hex[16];
    std::snprintf(size_hex, sizeof size_hex, "%zx", body.size());
    raw_connection conn(s.port());
    conn.send("POST " + k_path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
              size_hex + "\r\n" + body + "\r\n0\r\n\r\n");
    const auto r = conn.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
}

TEST_F(server_test, expect_100_continue_is_honoured) {
    test::running_service s;
    const std::string body = read_sample("recent_draft_project.json");
    raw_connection conn(s.port());
    conn.send("POST " + k_path +
              " HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n");
    const auto interim = conn.read_reply();
    ASSERT_TRUE(interim);
    EXPECT_EQ(interim->status, 100);
    conn.send(body);
    const auto r = conn.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    // A refused request is answered at once, without a 100 and without reading the body.
    raw_connection big(s.port());
    big.send("POST " + k_path +
             " HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n");
    const auto refused = big.read_reply();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 413);
}

TEST_F(server_test, a_request_arriving_in_pieces_is_read_whole) {
    test::running_service s;
    const std::string req = raw_post(read_sample("customer_created.json"));
    const std::size_t header_end = req.find("\r\n\r\n") + 4;
    raw_connection conn(s.port());
    // Cut inside the request line, inside the header block, and just past the header
    // (with three body bytes): the server parses what it has and waits for the rest.
    std::size_t at = 0;
    for (const std::size_t cut : {std::size_t{5}, header_end / 2, header_end + 3, req.size()}) {
        conn.send(req.substr(at, cut - at));
        at = cut;
        std::this_thread::sleep_for(20ms);  // pacing the sender, so the pieces arrive apart
    }
    const auto r = conn.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->json()["events"][0]["result"], "accepted");
}

TEST_F(server_test, pipelined_requests_are_answered_in_order) {
    test::running_service s;
    raw_connection conn(s.port());
    conn.send(raw_post(read_sample("project_email_sent.json")) +
              "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" +
              raw_post(read_sample("project_email_sent.json")) +
              "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    auto a = conn.read_reply();
    auto b = conn.read_reply();
    auto c = conn.read_reply();
    auto d = conn.read_reply();
    ASSERT_TRUE(a && b && c && d);
    EXPECT_EQ(a->json()["events"][0]["result"], "accepted");
    EXPECT_EQ(b->status, 404);
    EXPECT_EQ(c->json()["events"][0]["result"], "duplicate");
    EXPECT_EQ(d->status, 200);
}

TEST_F(server_test, requests_per_connection_are_capped) {
    config c = test::test_config();
    c.limits.max_requests_per_connection = 2;
    test::running_service s(c);
    raw_connection conn(s.port());
    conn.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    auto a = conn.read_reply();
    auto b = conn.read_reply();
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->header("connection"), "close");
    EXPECT_EQ(b->header("connection"), "close");
    EXPECT_TRUE(conn.closed_by_peer());
}

TEST_F(server_test, at_the_cap_the_longest_idle_connection_makes_room) {
    config c = test::test_config();
    c.limits.max_connections = 2;
    test::running_service s(c);
    raw_connection a(s.port());
    a.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(a.read_reply());  // a: kept alive, idle first
    raw_connection b(s.port());
    b.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(b.read_reply());  // b: idle since later
    raw_connection third(s.port());
    third.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto r = third.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(a.closed_by_peer());  // the longest idle went
    b.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto rb = b.read_reply();
    ASSERT_TRUE(rb);
    EXPECT_EQ(rb->status, 200);
}

TEST_F(server_test, at_the_cap_with_every_connection_mid_request_a_new_one_gets_503) {
    config c = test::test_config();
    c.limits.max_connections = 2;
    test::running_service s(c);
    raw_connection a(s.port());
    raw_connection b(s.port());
    a.send("POST " + k_path + " HTTP/1.1\r\nHost: x\r\n");  // headers not finished
    b.send("POST " + k_path + " HTTP/1.1\r\nHost: x\r\n");
    // Until the server has read both partial headers they count as idle, and a
    // newcomer would take one's place: ask again until it has.
    std::optional<test::http_reply> r;
    ASSERT_TRUE(test::eventually([&] {
        raw_connection third(s.port(), 1s);
        r = third.read_reply();
        return r && r->status == 503;
    }));
    EXPECT_EQ(r->json()["error"], "overloaded");
    EXPECT_FALSE(r->header("retry-after").empty());
}

TEST_F(server_test, a_connection_that_never_sends_a_byte_is_closed_at_first_byte_timeout) {
    config c = test::test_config();
    c.limits.first_byte_timeout = 200ms;
    c.limits.request_timeout = 30s;
    test::running_service s(c);
    raw_connection silent(s.port(), 5s);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(silent.closed_by_peer());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);  // not the 30 s request deadline
}

TEST_F(server_test, slowloris_neither_delays_others_nor_outlives_the_request_deadline) {
    config c = test::test_config();
    c.limits.request_timeout = 400ms;
    test::running_service s(c);
    raw_connection slow(s.port(), 5s);
    slow.send("POST " + k_path + " HTTP/1.1\r\nHost: x\r\n");
    // Another client is served while the slow one holds its connection open.
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = post(s.port(), k_path, read_sample("recent_draft_project.json"));
    EXPECT_EQ(r.status, 200);
    // Dribbling bytes does not extend the deadline: the whole read has one.
    bool closed = false;
    for (int i = 0; i < 40 && !closed; ++i) {
        try {
            slow.send("X-Drip: 1\r\n");
        } catch (const std::exception&) {
            closed = true;  // the server has closed the connection
            break;
        }
        std::this_thread::sleep_for(50ms);  // pacing the sender, not waiting for a result
    }
    EXPECT_TRUE(closed || slow.closed_by_peer());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(server_test, a_blocked_handler_does_not_delay_acks) {
    config c = test::test_config();
    c.workers = 1;
    test::running_service s(c, /*gated=*/true);
    std::vector<double> ms;
    for (int i = 0; i < 50; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto r =
            post(s.port(), k_path, R"({"pkcustomerquotationid":)" + std::to_string(i) + "}");
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
        ASSERT_EQ(r.status, 200);
        ASSERT_EQ(r.json()["events"][0]["result"], "accepted");
    }
    // Every ack came back while the handler was still holding the first event.
    ASSERT_TRUE(s.recorder->wait_entered(1));
    EXPECT_EQ(s.recorder->count(), 0u);
    std::sort(ms.begin(), ms.end());
    std::printf(
        "[ ack latency with a blocked handler ] median %.3f ms, max %.3f ms over %zu requests\n",
        ms[ms.size() / 2], ms.back(), ms.size());
    s.recorder->open_gate();
    EXPECT_TRUE(s.recorder->wait_count(50));
}

TEST_F(server_test, full_queue_answers_503_with_retry_after_and_readyz_turns_503) {
    config c = test::test_config();
    c.workers = 1;
    c.queue_capacity = 3;
    c.limits.max_events_per_request = 3;
    test::running_service s(c, /*gated=*/true);
    ASSERT_EQ(post(s.port(), k_path, R"({"pkcustomerquotationid":0})").status, 200);
    ASSERT_TRUE(s.recorder->wait_entered(1));  // the worker holds event 0; the queue is empty
    for (int i = 1; i <= 3; ++i) {
        ASSERT_EQ(
            post(s.port(), k_path, R"({"pkcustomerquotationid":)" + std::to_string(i) + "}").status,
            200);
    }
    const auto full = post(s.port(), k_path, R"({"pkcustomerquotationid":4})");
    EXPECT_EQ(full.status, 503);
    EXPECT_EQ(full.json()["error"], "overloaded");
    EXPECT_EQ(full.header("retry-after"), "5");
    const auto ready = test::request(s.port(), "GET", "/readyz");
    EXPECT_EQ(ready.status, 503);
    EXPECT_EQ(ready.json()["status"], "not_ready");
    EXPECT_EQ(ready.json()["reason"], "queue_full");
    EXPECT_EQ(test::request(s.port(), "GET", "/healthz").status, 200);

    s.recorder->open_gate();
    ASSERT_TRUE(s.recorder->wait_count(4));
    // The refused event left no dedup mark: resent, it is accepted.
    const auto again = post(s.port(), k_path, R"({"pkcustomerquotationid":4})");
    EXPECT_EQ(again.json()["events"][0]["result"], "accepted");
    EXPECT_EQ(test::request(s.port(), "GET", "/readyz").status, 200);
}

TEST_F(server_test, fifty_concurrent_identical_deliveries_are_processed_once) {
    // One io thread (connections share its executor) and four (a strand each).
    for (const unsigned io_threads : {1u, 4u}) {
        config c = test::test_config();
        c.io_threads = io_threads;
        test::running_service s(c);
        const auto body = read_sample("customer_status_change.json");
        std::atomic<int> accepted{0};
        std::atomic<int> duplicate{0};
        test::run_together(50, [&] {
            const auto r = post(s.port(), k_path, body);
            const auto res = r.json()["events"][0]["result"];
            ++(res == "accepted" ? accepted : duplicate);
        });
        EXPECT_EQ(accepted.load(), 1) << io_threads;
        EXPECT_EQ(duplicate.load(), 49) << io_threads;
        ASSERT_TRUE(s.recorder->wait_count(1));
        s.svc->shutdown();  // drain, so a second processing would have happened by now
        EXPECT_EQ(s.recorder->count(), 1u) << io_threads;
    }
}

TEST_F(server_test, request_id_is_echoed_and_logged_with_the_access_line) {
    test::running_service s;
    const auto r = test::request(s.port(), "GET", "/healthz", "", {{"X-Request-Id", "abc-123"}});
    EXPECT_EQ(r.header("x-request-id"), "abc-123");
    ASSERT_TRUE(logs.sink->wait_for([](const auto& recs) {
        return std::any_of(recs.begin(), recs.end(), [](const auto& j) {
            return j["msg"] == "request" && j["request_id"] == "abc-123" && j["status"] == 200 &&
                   j["method"] == "GET" && j["path"] == "/healthz" && j.contains("duration_us") &&
                   j.contains("remote") && j.contains("resp_bytes");
        });
    }));
    // A hostile id is replaced, not echoed, by a fresh one: 16 lowercase hex digits.
    const auto fresh = [&] {
        return test::request(s.port(), "GET", "/healthz", "", {{"X-Request-Id", "a b"}})
            .header("x-request-id");
    };
    const auto first = fresh();
    EXPECT_EQ(first.size(), 16u) << first;
    EXPECT_TRUE(std::all_of(first.begin(), first.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    })) << first;
    EXPECT_NE(fresh(), first);
}

TEST_F(server_test, draining_refuses_new_events_and_readyz_says_so) {
    test::running_service s;
    s.svc->ingest().begin_draining();  // what SIGTERM does first (the real signal: daemon_test)
    const auto r = post(s.port(), k_path, read_sample("recent_draft_project.json"));
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.json()["error"], "draining");
    EXPECT_FALSE(r.header("retry-after").empty());
    const auto ready = test::request(s.port(), "GET", "/readyz");
    EXPECT_EQ(ready.status, 503);
    EXPECT_EQ(ready.json()["status"], "draining");
}

TEST_F(server_test, shutdown_closes_idle_keep_alive_connections) {
    test::running_service s;
    raw_connection keep(s.port(), 300ms);
    keep.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(keep.read_reply());
    ASSERT_FALSE(keep.closed_by_peer());  // kept alive while running
    s.svc->shutdown();
    EXPECT_TRUE(keep.closed_by_peer());
}

TEST_F(server_test, arbitrary_bytes_never_crash_the_server) {
    test::running_service s;
    std::mt19937 rng(12345);
    const std::vector<std::string> prefixes{
        "", "POST " + k_path + " HTTP/1.1\r\n",
        "POST " + k_path + " HTTP/1.1\r\nContent-Length: 40\r\n\r\n",
        "POST " + k_path + " HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"};
    for (int i = 0; i < 200; ++i) {
        std::string junk(rng() % 300, '\0');
        for (auto& ch : junk) {
            ch = static_cast<char>(rng());
        }
        raw_connection conn(s.port(), 2s);
        try {
            conn.send(prefixes[i % prefixes.size()] + junk);
        } catch (const std::exception&) {
            // the server may close first; that is fine
        }
    }
    EXPECT_EQ(test::request(s.port(), "GET", "/healthz").status, 200);
    EXPECT_EQ(post(s.port(), k_path, read_sample("recent_draft_project.json")).status, 200);
}

}  // namespace
}  // namespace solarhook

// The TLS listener in the real binary, against curl, openssl s_client and a
// Python client: HTTPS with a test CA, TLS 1.1 refused, a silent client cut off
// at the handshake deadline, a renewed certificate served after SIGHUP while
// an open connection keeps going.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/child_process.hpp"
#include "support/daemon_log.hpp"
#include "support/http_client.hpp"
#include "support/http_recorder.hpp"
#include "support/temp_dir.hpp"

namespace solarhook {
namespace {

using json = nlohmann::json;
using test::wait_for_msg;
const std::string k_bin = SOLARHOOK_BINARY;

struct tls_daemon : ::testing::Test {
    void SetUp() override {
        test::make_test_pki(dir.path().string());
        const json c = {
            {"listen", "127.0.0.1:0"},
            {"store", {{"data_dir", dir.file("data")}}},
            {"limits", {{"handshake_timeout_ms", 300}, {"first_byte_timeout_ms", 60000}}},
            {"tls", {{"cert_file", dir.file("cert.pem")}, {"key_file", dir.file("key.pem")}}}};
        std::ofstream(dir.file("c.json")) << c.dump();
        proc = std::make_unique<test::child_process>(
            std::vector<std::string>{k_bin, "serve", "--config", dir.file("c.json")});
        const auto listening = wait_for_msg(*proc, "listening");
        ASSERT_TRUE(listening.is_object()) << proc->all_stderr();
        EXPECT_EQ(listening["tls"], true);
        port = std::to_string(listening["port"].get<int>());
    }
    void TearDown() override {
        if (proc) {
            proc->signal(SIGTERM);
            EXPECT_EQ(proc->wait(), 0);
        }
    }
    test::run_result curl(const std::vector<std::string>& extra) {
        std::vector<std::string> args{
            "/usr/bin/curl",    "-sS", "--max-time", "10", "--cacert",
            dir.file("ca.pem"), "-o",  "-",          "-w", "\n%{http_code}"};
        args.insert(args.end(), extra.begin(), extra.end());
        return test::run_to_end(args);
    }
    // s_client's whole output for a handshake with `flags`.
    test::run_result s_client(const std::vector<std::string>& flags) {
        std::vector<std::string> args{"/usr/bin/openssl",  "s_client",        "-connect",
                                      "127.0.0.1:" + port, "-servername",     "localhost",
                                      "-CAfile",           dir.file("ca.pem")};
        args.insert(args.end(), flags.begin(), flags.end());
        return test::run_to_end(args);  // stdin is closed: it leaves after the handshake
    }
    test::temp_dir dir;
    std::unique_ptr<test::child_process> proc;
    std::string port;
};

TEST_F(tls_daemon, https_with_a_trusted_certificate_accepts_events) {
    auto r = curl({"https://localhost:" + port + "/healthz"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("\n200"), std::string::npos) << r.out;
    r = curl({"-H", "Content-Type: application/json", "--data-binary",
              "@" + std::string(SOLARHOOK_SAMPLES_DIR) + "/customer_created.json",
              "https://localhost:" + port + "/webhooks/solarproof"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("\"accepted\""), std::string::npos) << r.out;
    // Without the CA, curl refuses the certificate: the test above could fail.
    const auto untrusted = test::run_to_end(
        {"/usr/bin/curl", "-sS", "--max-time", "10", "https://localhost:" + port + "/healthz"});
    EXPECT_NE(untrusted.code, 0);
    // Plain HTTP to the TLS port gets no answer.
    const auto plain = test::run_to_end(
        {"/usr/bin/curl", "-sS", "--max-time", "10", "http://127.0.0.1:" + port + "/healthz"});
    EXPECT_NE(plain.code, 0);
}

TEST_F(tls_daemon, send_test_speaks_https_and_verifies_the_certificate) {
    const auto url = "https://localhost:" + port + "/webhooks/solarproof";
    auto r = test::run_to_end({k_bin, "send-test", "customer_created", "--url", url, "--generation",
                               "1", "--ca-file", dir.file("ca.pem")});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("200 customer_created accepted"), std::string::npos) << r.out;
    // Against the system's CAs the throwaway certificate is refused.
    r = test::run_to_end(
        {k_bin, "send-test", "customer_created", "--url", url, "--generation", "1"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("certificate verify failed"), std::string::npos) << r.out;
}

TEST_F(tls_daemon, tls_1_1_is_refused_and_1_2_and_1_3_are_spoken) {
    // SECLEVEL=0 lets this client offer TLS 1.1: any refusal is the server's.
    const auto old = s_client({"-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"});
    EXPECT_NE(old.code, 0);
    EXPECT_NE(old.out.find("Cipher is (NONE)"), std::string::npos) << old.out;
    EXPECT_NE((old.out + old.err).find("alert protocol version"), std::string::npos)
        << old.out << old.err;
    const auto v12 = s_client({"-tls1_2"});
    // ECDHE: forward secrecy.
    EXPECT_NE(v12.out.find("New, TLSv1.2, Cipher is ECDHE-"), std::string::npos) << v12.out;
    EXPECT_NE(v12.out.find("Verify return code: 0 (ok)"), std::string::npos);
    const auto v13 = s_client({"-tls1_3"});
    EXPECT_NE(v13.out.find("New, TLSv1.3, Cipher is TLS_"), std::string::npos) << v13.out;
}

TEST_F(tls_daemon, a_client_that_never_says_hello_is_cut_off_at_the_handshake_deadline) {
    test::raw_connection silent(static_cast<std::uint16_t>(std::stoi(port)),
                                std::chrono::milliseconds(3000));
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(silent.closed_by_peer());  // handshake_timeout_ms is 300; first byte's is 60 s
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));
}

TEST_F(tls_daemon, a_renewed_certificate_is_served_after_sighup_and_open_connections_go_on) {
    test::child_process client({"/usr/bin/python3",
                                std::string(SOLARHOOK_SOURCE_DIR) + "/tests/support/tls_client.py",
                                port, dir.file("ca.pem"), dir.file("gate")});
    const auto first = client.read_line();
    ASSERT_TRUE(first) << client.all_stderr();
    EXPECT_EQ(*first, "first 200 localhost");

    // Renew: a new key and a certificate with another name, from the same CA.
    const auto openssl = [](const std::vector<std::string>& args) {
        auto r = test::run_to_end(args);
        ASSERT_EQ(r.code, 0) << r.err;
    };
    openssl({"/usr/bin/openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=renewed",
             "-keyout", dir.file("key2.pem"), "-out", dir.file("cert2.csr")});
    openssl({"/usr/bin/openssl", "x509", "-req", "-in", dir.file("cert2.csr"), "-CA",
             dir.file("ca.pem"), "-CAkey", dir.file("ca.key"), "-CAcreateserial", "-days", "2",
             "-extfile", dir.file("ext.cnf"), "-out", dir.file("cert2.pem")});
    EXPECT_NE(s_client({}).out.find("CN = localhost"), std::string::npos);
    std::filesystem::rename(dir.file("key2.pem"), dir.file("key.pem"));
    std::filesystem::rename(dir.file("cert2.pem"), dir.file("cert.pem"));
    proc->signal(SIGHUP);
    ASSERT_TRUE(wait_for_msg(*proc,
                             "config reloaded: routes and sinks apply to deliveries that "
                             "start now")
                    .is_object());
    const auto renewed = s_client({});
    EXPECT_NE(renewed.out.find("CN = renewed"), std::string::npos) << renewed.out;
    EXPECT_NE(renewed.out.find("Verify return code: 0 (ok)"), std::string::npos);

    std::ofstream(dir.file("gate")) << "go";
    const auto second = client.read_line();
    ASSERT_TRUE(second) << client.all_stderr();
    EXPECT_EQ(*second, "second 200");  // the connection opened before the reload
    EXPECT_EQ(client.wait(), 0);
}

TEST_F(tls_daemon, a_certificate_that_does_not_load_refuses_the_reload_and_keeps_serving) {
    std::ofstream(dir.file("cert.pem")) << "not a certificate";
    proc->signal(SIGHUP);
    const auto refused = wait_for_msg(*proc, "config reload refused; the running config stays");
    ASSERT_TRUE(refused.is_object());
    EXPECT_NE(refused["error"].get<std::string>().find("tls.cert_file"), std::string::npos);
    const auto r = curl({"https://localhost:" + port + "/healthz"});
    EXPECT_NE(r.out.find("\n200"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace solarhook

// Reading the real daemon's JSON log lines from its stdout: the record with a
// given msg (the "listening" banner, a reload), each line read kept if asked.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace solarhook::test {

// Reads lines until one has msg `msg` and returns its record; null json on EOF or
// timeout. Every line read is appended to `seen` when given.
inline nlohmann::json wait_for_msg(child_process& p, const std::string& msg,
                                   std::vector<nlohmann::json>* seen = nullptr) {
    while (auto line = p.read_line()) {
        auto j = nlohmann::json::parse(*line, nullptr, false);
        if (seen) {
            seen->push_back(j);
        }
        if (j.is_object() && j["msg"] == msg) {
            return j;
        }
    }
    return nullptr;
}

// The port of the "listening" banner, 0 if the daemon did not get there.
inline int listening_port(child_process& p) {
    const auto j = wait_for_msg(p, "listening");
    return j.is_object() ? j["port"].get<int>() : 0;
}

}  // namespace solarhook::test

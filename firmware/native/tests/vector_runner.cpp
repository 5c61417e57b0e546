#include "vector_runner.hpp"

#include "rig_capture.h"

#include <cstdint>
#include <fstream>
#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace rig_test {
namespace {

const std::map<std::string, uint8_t> kLines = {
    {"lick", RC_LINE_LICK},   {"frame", RC_LINE_FRAME_CLOCK}, {"photodiode", RC_LINE_PHOTODIODE},
    {"ttl", RC_LINE_TTL},     {"valve", RC_LINE_VALVE},       {"tone", RC_LINE_TONE},
    {"sync", RC_LINE_SYNC},   {"encoder", RC_LINE_ENCODER},
};

const std::map<std::string, uint8_t> kFlags = {
    {"reward", RC_FLAG_REWARD}, {"forced", RC_FLAG_FORCED},       {"gap", RC_FLAG_GAP},
    {"settled", RC_FLAG_SETTLED}, {"scheduled", RC_FLAG_SCHEDULED}, {"trigger", RC_FLAG_TRIGGER},
};

const char *const kCounterNames[] = {"overflows", "glitches", "same_level", "settled", "over_max", "busy",
                                     "rewards",   "expired",  "licks_while_open", "samples", "samples_missed",
                                     "capture_clamped", "capture_unanchored", "not_onset"};

uint32_t counter_value(const rc_counters &c, const std::string &name)
{
    if (name == "overflows") return c.overflows;
    if (name == "glitches") return c.glitches;
    if (name == "same_level") return c.same_level;
    if (name == "settled") return c.settled;
    if (name == "over_max") return c.over_max;
    if (name == "busy") return c.busy;
    if (name == "rewards") return c.rewards;
    if (name == "expired") return c.expired;
    if (name == "licks_while_open") return c.licks_while_open;
    if (name == "samples") return c.samples;
    if (name == "samples_missed") return c.samples_missed;
    if (name == "capture_clamped") return c.capture_clamped;
    if (name == "capture_unanchored") return c.capture_unanchored;
    if (name == "not_onset") return c.not_onset;
    throw std::runtime_error("unknown counter '" + name + "'");
}

struct LineError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

int64_t to_int(const std::string &token)
{
    size_t used = 0;
    long long v = std::stoll(token, &used, 10);
    if (used != token.size()) {
        throw LineError("not an integer: '" + token + "'");
    }
    return v;
}

uint64_t to_uint(const std::string &token)
{
    if (token.empty() || token[0] == '-') {
        throw LineError("not an unsigned integer: '" + token + "'");
    }
    size_t used = 0;
    unsigned long long v = std::stoull(token, &used, 10);
    if (used != token.size()) {
        throw LineError("not an unsigned integer: '" + token + "'");
    }
    return v;
}

uint8_t line_number(const std::string &name)
{
    auto it = kLines.find(name);
    if (it == kLines.end()) {
        throw LineError("unknown line '" + name + "'");
    }
    return it->second;
}

uint8_t parse_flags(const std::string &token)
{
    if (token == "-") {
        return 0;
    }
    uint8_t flags = 0;
    std::stringstream parts(token);
    std::string part;
    while (std::getline(parts, part, '+')) {
        auto it = kFlags.find(part);
        if (it == kFlags.end()) {
            throw LineError("unknown flag '" + part + "'");
        }
        flags = static_cast<uint8_t>(flags | it->second);
    }
    return flags;
}

std::string describe(const rc_record &r)
{
    std::string line = "?";
    for (const auto &entry : kLines) {
        if (entry.second == r.line) line = entry.first;
    }
    std::string flags;
    for (const auto &entry : kFlags) {
        if ((r.flags & entry.second) != 0) flags += (flags.empty() ? "" : "+") + entry.first;
    }
    std::ostringstream s;
    s << "record " << r.device_us << ' ' << line << ' ' << unsigned(r.channel) << ' ' << unsigned(r.level) << ' '
      << r.value << ' ' << (flags.empty() ? "-" : flags);
    return s.str();
}

class Runner {
  public:
    Runner()
    {
        hooks_.ctx = this;
        hooks_.read_encoder = [](void *ctx, uint64_t) { return static_cast<Runner *>(ctx)->raw_; };
        storage_.resize(64);
        rc_init(&core_, storage_.data(), 64, &hooks_);
    }

    VectorOutcome run(const std::string &path)
    {
        std::ifstream file(path);
        if (!file) {
            return {false, path + ": cannot open"};
        }
        std::string text;
        int number = 0;
        std::vector<rc_record> expected;
        std::map<std::string, uint32_t> expected_counters;
        std::ostringstream problems;
        bool ended = false;
        while (std::getline(file, text)) {
            number++;
            size_t hash = text.find('#');
            if (hash != std::string::npos) text.resize(hash);
            std::istringstream words(text);
            std::vector<std::string> tokens;
            for (std::string w; words >> w;) tokens.push_back(w);
            if (tokens.empty()) continue;
            try {
                if (tokens[0] == "record") {
                    if (tokens.size() != 7) throw LineError("record needs: time line channel level value flags");
                    rc_record r{};
                    r.device_us = to_uint(tokens[1]);
                    r.line = line_number(tokens[2]);
                    r.channel = static_cast<uint8_t>(to_uint(tokens[3]));
                    r.level = static_cast<uint8_t>(to_uint(tokens[4]));
                    r.value = to_int(tokens[5]);
                    r.flags = parse_flags(tokens[6]);
                    expected.push_back(r);
                } else if (tokens[0] == "counter") {
                    if (tokens.size() != 3) throw LineError("counter needs: name value");
                    rc_counters probe{};
                    (void)counter_value(probe, tokens[1]);
                    expected_counters[tokens[1]] = static_cast<uint32_t>(to_uint(tokens[2]));
                } else if (tokens[0] == "end") {
                    if (tokens.size() != 2) throw LineError("end needs a time");
                    advance(to_uint(tokens[1]));
                    drain(UINT32_MAX);
                    ended = true;
                } else {
                    if (ended) throw LineError("command after 'end'");
                    std::string check = execute(tokens);
                    if (!check.empty()) problems << path << ':' << number << ": " << check << '\n';
                }
            } catch (const std::exception &e) {
                return {false, path + ":" + std::to_string(number) + ": " + e.what()};
            }
        }
        if (!ended) {
            return {false, path + ": no 'end <time>' line"};
        }
        size_t n = std::max(expected.size(), actual_.size());
        for (size_t i = 0; i < n; i++) {
            std::string want = i < expected.size() ? describe(expected[i]) : "(nothing)";
            std::string got = i < actual_.size() ? describe(actual_[i]) : "(nothing)";
            if (want != got) {
                problems << path << ": record " << i << ": expected '" << want << "', got '" << got << "'\n";
            }
        }
        rc_counters counters{};
        rc_get_counters(&core_, &counters);
        for (const char *name : kCounterNames) {
            auto it = expected_counters.find(name);
            uint32_t want = it == expected_counters.end() ? 0 : it->second;
            uint32_t got = counter_value(counters, name);
            if (want != got) {
                problems << path << ": counter " << name << ": expected " << want << ", got " << got << '\n';
            }
        }
        std::string report = problems.str();
        return {report.empty(), report};
    }

  private:
    // Deadlines due by t are handled in order, each at its own time, as a punctual hardware timer would.
    void advance(uint64_t t)
    {
        if (t < now_) throw LineError("time goes backwards");
        for (uint64_t due = rc_next_deadline(&core_); due <= t; due = rc_next_deadline(&core_)) {
            now_ = due;
            rc_poll(&core_, due);
        }
        now_ = t;
    }

    void drain(uint32_t max)
    {
        std::vector<uint8_t> bytes(RC_RECORD_BYTES * 16);
        while (max > 0) {
            int want = static_cast<int>(max < 16 ? max : 16);
            int n = rc_drain_bytes(&core_, bytes.data(), bytes.size(), want);
            if (n < 0) throw LineError("drain failed: " + std::to_string(n));
            for (int i = 0; i < n; i++) {
                rc_record r{};
                rc_record_decode(bytes.data() + static_cast<size_t>(i) * RC_RECORD_BYTES, &r);
                actual_.push_back(r);
            }
            max -= static_cast<uint32_t>(n);
            if (n < want) break;
        }
    }

    static std::string check_result(const std::vector<std::string> &tokens, size_t arrow, int64_t result,
                                    bool query)
    {
        if (arrow == tokens.size()) {
            if (query) throw LineError("a query needs '=> value'");
            return result >= 0 ? "" : "returned " + std::to_string(result) + ", expected success";
        }
        int64_t want = to_int(tokens[arrow + 1]);
        return want == result ? "" : "returned " + std::to_string(result) + ", expected " + std::to_string(want);
    }

    std::string execute(std::vector<std::string> tokens)
    {
        size_t arrow = tokens.size();
        for (size_t i = 0; i < tokens.size(); i++) {
            if (tokens[i] == "=>") {
                if (i + 2 != tokens.size()) throw LineError("'=>' takes one value at the end of the line");
                arrow = i;
            }
        }
        std::vector<std::string> args(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(arrow));
        args.push_back("");
        const std::string &cmd = args[0];
        auto need = [&](size_t count) {
            if (args.size() - 1 != count) throw LineError("'" + cmd + "' takes " + std::to_string(count - 1) + " arguments");
        };
        auto u8 = [](const std::string &s) { return static_cast<uint8_t>(to_uint(s)); };
        auto u32 = [](const std::string &s) {
            uint64_t v = to_uint(s);
            if (v > UINT32_MAX) throw LineError("out of range: " + s);
            return static_cast<uint32_t>(v);
        };
        if (cmd == "ring") {
            need(2);
            rc_hooks hooks = hooks_;
            storage_.assign(u32(args[1]), rc_record{});
            int rc = rc_init(&core_, storage_.data(), u32(args[1]), &hooks);
            return check_result(tokens, arrow, rc, false);
        }
        if (cmd == "latency") {
            need(2);
            rc_set_reward_latency(&core_, u32(args[1]));
            return "";
        }
        if (cmd == "input") {
            if (args.size() - 1 != 4 && args.size() - 1 != 5) throw LineError("input takes: line channel glitch_us [initial_level]");
            uint8_t initial = args.size() - 1 == 5 ? u8(args[4]) : 0;
            return check_result(tokens, arrow, rc_config_input(&core_, line_number(args[1]), u8(args[2]), u32(args[3]), initial), false);
        }
        if (cmd == "lick") {
            need(4);
            return check_result(tokens, arrow, rc_config_lick(&core_, u8(args[1]), u32(args[2]), u32(args[3])), false);
        }
        if (cmd == "valve") {
            need(3);
            return check_result(tokens, arrow, rc_config_valve(&core_, u8(args[1]), u32(args[2])), false);
        }
        if (cmd == "encoder") {
            need(3);
            return check_result(tokens, arrow, rc_config_encoder(&core_, u32(args[1]), u32(args[2])), false);
        }
        if (cmd == "tone") {
            need(1);
            return check_result(tokens, arrow, rc_config_tone(&core_), false);
        }
        if (cmd == "output") {
            need(2);
            return check_result(tokens, arrow, rc_config_output(&core_, u8(args[1])), false);
        }
        if (cmd == "capture") {
            need(2);
            return check_result(tokens, arrow, rc_config_capture(&core_, u32(args[1])), false);
        }
        if (cmd == "raw") {
            need(2);
            raw_ = static_cast<int32_t>(to_int(args[1]));
            return "";
        }
        if (cmd == "start") {
            need(2);
            uint64_t t = to_uint(args[1]);
            if (t < now_) throw LineError("time goes backwards");
            now_ = t;
            return check_result(tokens, arrow, rc_start(&core_, t), false);
        }
        if (cmd != "at") {
            throw LineError("unknown command '" + cmd + "'");
        }
        if (args.size() < 4) throw LineError("'at' needs a time and a command");
        uint64_t t = to_uint(args[1]);
        advance(t);
        std::vector<std::string> rest(args.begin() + 2, args.end());
        std::string result = timed(rest, tokens, arrow, t);
        advance(t);
        return result;
    }

    std::string timed(const std::vector<std::string> &a, const std::vector<std::string> &tokens, size_t arrow, uint64_t t)
    {
        const std::string &cmd = a[0];
        size_t count = a.size() - 2; // arguments after the command, without the sentinel
        auto need = [&](size_t n) {
            if (count != n) throw LineError("'" + cmd + "' takes " + std::to_string(n) + " arguments");
        };
        auto u8 = [](const std::string &s) { return static_cast<uint8_t>(to_uint(s)); };
        auto u32 = [](const std::string &s) {
            uint64_t v = to_uint(s);
            if (v > UINT32_MAX) throw LineError("out of range: " + s);
            return static_cast<uint32_t>(v);
        };
        if (cmd == "edge") {
            need(3);
            int index = rc_input_index(&core_, line_number(a[1]), u8(a[2]));
            if (index < 0) throw LineError("edge on an input that was not configured");
            rc_input_edge(&core_, index, u8(a[3]), t);
            return "";
        }
        if (cmd == "anchor") {
            need(4);
            rc_capture_anchor(&core_, u8(a[1]), u32(a[2]), to_uint(a[3]), to_uint(a[4]));
            return "";
        }
        if (cmd == "captured") {
            need(5);
            int index = rc_input_index(&core_, line_number(a[2]), u8(a[3]));
            if (index < 0) throw LineError("captured edge on an input that was not configured");
            rc_capture_edge(&core_, u8(a[1]), index, u8(a[4]), u32(a[5]), t);
            return "";
        }
        if (cmd == "pulse") {
            need(2);
            return check_result(tokens, arrow, rc_pulse_valve(&core_, u8(a[1]), u32(a[2]), t), false);
        }
        if (cmd == "close") {
            need(1);
            return check_result(tokens, arrow, rc_close_valve(&core_, u8(a[1]), t), false);
        }
        if (cmd == "arm") {
            need(4);
            return check_result(tokens, arrow, rc_arm_reward(&core_, u8(a[1]), to_uint(a[2]), to_uint(a[3]), u32(a[4]), t), false);
        }
        if (cmd == "disarm") {
            need(0);
            rc_disarm(&core_);
            return "";
        }
        if (cmd == "tone") {
            need(2);
            uint32_t f = u32(a[1]);
            if (f > UINT16_MAX) throw LineError("frequency out of range");
            return check_result(tokens, arrow, rc_play_tone(&core_, static_cast<uint16_t>(f), u32(a[2]), t), false);
        }
        if (cmd == "stoptone") {
            need(0);
            return check_result(tokens, arrow, rc_stop_tone(&core_, t), false);
        }
        if (cmd == "set") {
            need(2);
            return check_result(tokens, arrow, rc_set_output(&core_, u8(a[1]), u8(a[2]), t), false);
        }
        if (cmd == "sync") {
            if (count < 1) throw LineError("sync takes: channel offset:width...");
            std::vector<rc_pulse> pulses;
            for (size_t i = 2; i < a.size() - 1; i++) {
                size_t colon = a[i].find(':');
                if (colon == std::string::npos) throw LineError("a pulse is offset:width, got '" + a[i] + "'");
                pulses.push_back(rc_pulse{u32(a[i].substr(0, colon)), u32(a[i].substr(colon + 1))});
            }
            return check_result(tokens, arrow,
                                rc_play_sync(&core_, u8(a[1]), pulses.empty() ? nullptr : pulses.data(),
                                             static_cast<uint16_t>(pulses.size()), t),
                                false);
        }
        if (cmd == "raw") {
            need(1);
            raw_ = static_cast<int32_t>(to_int(a[1]));
            return "";
        }
        if (cmd == "count") {
            need(0);
            return check_result(tokens, arrow, rc_encoder_count(&core_, t), true);
        }
        if (cmd == "open?") {
            need(1);
            return check_result(tokens, arrow, rc_valve_is_open(&core_, u8(a[1])) ? 1 : 0, true);
        }
        if (cmd == "armed?") {
            need(0);
            return check_result(tokens, arrow, rc_is_armed(&core_) ? 1 : 0, true);
        }
        if (cmd == "drain") {
            need(1);
            drain(u32(a[1]));
            return "";
        }
        throw LineError("unknown timed command '" + cmd + "'");
    }

    rc_core core_{};
    rc_hooks hooks_{};
    std::vector<rc_record> storage_;
    std::vector<rc_record> actual_;
    int32_t raw_ = 0;
    uint64_t now_ = 0;
};

} // namespace

VectorOutcome run_capture_vector(const std::string &path)
{
    Runner runner;
    return runner.run(path);
}

} // namespace rig_test

// The two journals of deliveries (delivery.hpp): the SQLite store's, and the
// memory store's, which keeps nothing.
#pragma once

#include <memory>

#include "solarhook/deliver/delivery.hpp"
#include "solarhook/store/event_store.hpp"
#include "solarhook/store/group_committer.hpp"

namespace solarhook::deliver {

// Keeps deliveries in the SQLite store: outcomes through the group committer,
// reads on a connection of its own (used only on the engine's thread).
class durable_journal final : public journal {
  public:
    durable_journal(store::group_committer& committer, std::unique_ptr<store::event_store> reader,
                    const clock& clk);
    void record(const store::delivery_outcome& o, std::function<void(bool ok)> done) override;
    std::vector<job> pending(const std::string& sink, std::int64_t after_id, int limit) override;
    std::shared_ptr<const nlohmann::json> event(std::int64_t event_id) override;
    std::vector<std::string> pending_sinks() override;
    bool on_disk() const override { return true; }

  private:
    store::group_committer& committer_;
    std::unique_ptr<store::event_store> reader_;
    const clock& clock_;
};

// The memory store's journal: nothing is kept, so a restart loses what was pending.
class memory_journal final : public journal {
  public:
    void record(const store::delivery_outcome&, std::function<void(bool ok)> done) override {
        done(true);
    }
    std::vector<job> pending(const std::string&, std::int64_t, int) override { return {}; }
    std::shared_ptr<const nlohmann::json> event(std::int64_t) override { return nullptr; }
    bool on_disk() const override { return false; }
};

}  // namespace solarhook::deliver

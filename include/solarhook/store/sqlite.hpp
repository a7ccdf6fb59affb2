// Minimal RAII over the SQLite C API: a connection, prepared statements, and
// store_error carrying SQLite's result code so callers can tell "disk full"
// from "busy" from "corrupt". Nothing here knows what the tables mean.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace solarhook::store {

class store_error : public std::runtime_error {
  public:
    store_error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
    int code() const noexcept { return code_; }  // primary SQLite result code

  private:
    int code_;
};

class statement;

class database {
  public:
    enum class mode { read_write_create, read_write, read_only };
    database(const std::string& path, mode m);
    ~database();
    database(const database&) = delete;
    database& operator=(const database&) = delete;

    void exec(std::string_view sql);
    statement prepare(std::string_view sql);
    // The same statement every time for the same SQL, compiled once: for
    // statements run per event, where parsing the SQL cost more than running it.
    // Returned reset, with no bindings; valid until the database closes.
    statement& cached(std::string_view sql);
    std::int64_t last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_); }
    int changes() const noexcept { return sqlite3_changes(db_); }
    [[noreturn]] void fail(int rc, std::string_view context) const;
    sqlite3* handle() const noexcept { return db_; }

  private:
    sqlite3* db_ = nullptr;
    // Looked up by string_view: building a std::string of the SQL for each lookup
    // was an allocation per statement run.
    struct sql_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::unordered_map<std::string, std::unique_ptr<statement>, sql_hash, std::equal_to<>> cache_;
};

class statement {
  public:
    statement(database& db, std::string_view sql);
    ~statement();
    statement(statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    statement& bind(int i, std::int64_t v);
    statement& bind(int i, std::string_view v);
    // Binds the text without copying it (SQLITE_STATIC), so it must stay alive and
    // unchanged until run() returns or the statement is reset. For the per-event
    // inserts, where copying every bound string was a twentieth of the writer's work.
    statement& bind_ref(int i, std::string_view v);
    statement& bind_null(int i);
    // true: a row is available; false: done.
    bool step();
    // Runs to completion; for statements with no result rows.
    void run();
    void reset() noexcept;

    std::int64_t int_at(int col) const;
    std::string text_at(int col) const;
    bool null_at(int col) const;

  private:
    statement& bind_text_(int i, std::string_view v, sqlite3_destructor_type how);
    database* db_;
    sqlite3_stmt* stmt_;
};

}  // namespace solarhook::store

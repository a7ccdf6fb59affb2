// Typed Solar Proof events: one plain struct per event type, held in a variant,
// with the whole object travelling beside it as canonical JSON text so no field
// the provider sends is lost. typed_json renders only the typed fields; `extra`
// holds the rest.
// Field names and tolerance rules are documented in docs/events.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace solarhook {

enum class event_type {
    customer_created,
    customer_status_change,
    project_email_sent,
    project_sms_sent,
    published_proposal_link,
    recent_draft_project,
    unclassified,
};

std::string_view type_name(event_type t) noexcept;
// Known (classifiable) type names only; "unclassified" is not a name a sender uses.
std::optional<event_type> parse_type_name(std::string_view name) noexcept;

// Values outside the documented set are representable on purpose: they are kept
// and warned about, not rejected.
enum class customer_status : std::int64_t {
    no_status = 0,
    new_contacts = 1,
    signed_up = 2,
    mega_status = 3,
};
// "No Status", "New Contacts", "Signed", "Mega Status"; empty if undocumented.
std::string_view status_label(customer_status s) noexcept;
bool is_documented(customer_status s) noexcept;

enum class customer_type { residential, commercial, large_scale, other };
std::string_view customer_type_name(customer_type t) noexcept;

struct customer_created {
    int generation = 1;  // 1: pkcustomerid shape, 2: customer_id shape
    std::int64_t customer_id = 0;
    std::optional<std::int64_t> user_id;  // v1 fkuserid, v2 assigned_user_id
    std::optional<std::string> customer_email;
    std::optional<std::string> customer_name;
    std::optional<customer_type> type;        // v1 customer_type
    std::optional<std::string> type_raw;      // as sent, kept when type is `other`
    std::optional<std::int64_t> type_id;      // v2 customer_type_id (meaning not published)
    std::optional<customer_status> status;    // v1 customer_status, v2 customer_status_id
    std::optional<std::string> customer_uid;  // v2 from here on
    std::optional<std::string> first_name;
    std::optional<std::string> surname;
    std::optional<std::string> phone_primary;
    std::optional<std::string> site_address;
    std::optional<std::string> created_at;
    std::optional<std::string> assigned_user_name;
    std::optional<std::string> assigned_user_email;
};

struct customer_status_change {
    std::int64_t customer_id = 0;
    std::optional<std::int64_t> user_id;
    std::optional<std::string> customer_email;
    std::optional<std::string> customer_name;
    std::optional<customer_status> old_status;
    customer_status new_status = customer_status::no_status;
    std::optional<std::string> status_name;
};

struct project_activity {
    std::int64_t customer_id = 0;         // belongs_to_customer
    std::optional<std::int64_t> user_id;  // belongs_to_user
    std::int64_t project_id = 0;          // belongs_to_project
    std::string activity_type;
};
struct project_email_sent : project_activity {};
struct project_sms_sent : project_activity {};
struct published_proposal_link : project_activity {};

struct recent_draft_project {
    std::int64_t project_id = 0;  // pkcustomerquotationid
    std::optional<std::int64_t> user_id;
    std::optional<std::string> quote_nickname;
    std::optional<std::string> site_address;
};

struct unclassified_event {};

using event_data =
    std::variant<customer_created, customer_status_change, project_email_sent, project_sms_sent,
                 published_proposal_link, recent_draft_project, unclassified_event>;

struct decoded_event {
    event_type type = event_type::unclassified;
    std::string type_label;  // type_name(type), or the URL's name for an unclassified event
    // 2 when the payload has customer_id and no pkcustomerid (the newer docs'
    // shape), else 1: which member each typed field is read from (event_fields.hpp).
    int generation = 1;
    event_data data;
    // The event object as canonical JSON (decode/canonical_json.hpp): what the
    // default dedup key hashes, and what an array element is stored as.
    std::string canonical;
    // Canonical JSON object of the members the typed struct does not carry; "{}" if none.
    std::string extra;
    std::vector<std::string> warnings;
};

// Typed fields only, with the sender's field names where one exists, as one line of
// JSON with its keys sorted (what nlohmann's dump() of the same object prints).
std::string typed_json(const event_data& data);
// Whether `field` is a typed member of `t`'s payloads of `generation` (event_fields.hpp).
bool is_typed_field(event_type t, int generation, std::string_view field);

}  // namespace solarhook

// The one table of every typed field: for each event type, its normalized name,
// its name in each generation of the provider's payloads, its kind and whether it
// is required. The decoder (which member it reads, how strictly), the untyped-member
// split, the normalized event, template checks and docs/events.md's table all read it.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "solarhook/decode/event.hpp"

namespace solarhook {

enum class field_kind {
    id,             // 64-bit identifier: an integer or a digit-only string
    integer,        // a number whose meaning is not published; kept as an integer
    text,           // a string
    status,         // 0-3 customer status; the normalized event adds `<name>_name`
    customer_type,  // RESIDENTIAL | COMMERCIAL | LARGE-SCALE, any case, `_` for `-`
    activity,       // the activity_type string; the type's own value when absent
};
std::string_view field_kind_name(field_kind k) noexcept;

enum class field_need {
    required,  // missing or not an identifier: 422 invalid_event
    checked,   // optional, but 422 when present and not an identifier
    optional,  // best effort: a wrong type is a warning
};
std::string_view field_need_name(field_need n) noexcept;

struct field_spec {
    std::string_view name;  // normalized, the same in both generations
    std::string_view v1;    // the reference payload's member; empty: not sent there
    std::string_view v2;    // the newer docs' member; empty: not sent there
    field_kind kind;
    field_need need;
};

// The typed fields of `t`, in documentation order; empty for unclassified.
std::span<const field_spec> fields_of(event_type t) noexcept;
// The member `spec` is read from in `generation` (1 or 2); empty if none.
std::string_view member_name(const field_spec& spec, int generation) noexcept;
// The activity_type value that belongs to `t`; empty for other types.
std::string_view expected_activity(event_type t) noexcept;

// Members every normalized event has, whatever its type ("raw" aside).
std::span<const std::string_view> normalized_meta_fields() noexcept;
// Whether `{name}` names a normalized field that events of type `t` carry:
// a meta field, a typed field of `t`, a status's `_name`, or `raw.<member>`.
bool is_normalized_field(event_type t, std::string_view name) noexcept;

// The Markdown table of typed fields that docs/events.md embeds (a test keeps it true).
std::string fields_markdown();

}  // namespace solarhook

#!/usr/bin/env python3
"""Writes service.schema.json and endpoint.schema.json: the JSON Schema (draft 2020-12) of the
spec language, mirroring src/spec/raw.rs field for field (`deny_unknown_fields` ->
`additionalProperties: false`). Run after changing raw.rs; check.py validates the specs."""
import json, pathlib

HERE = pathlib.Path(__file__).parent
D = "#/$defs/"

def obj(desc, props, required=(), closed=True):
    o = {"type": "object", "description": desc, "properties": props}
    if required: o["required"] = list(required)
    if closed: o["additionalProperties"] = False
    return o

def s(desc, **kw): return {"type": "string", "description": desc, **kw}
def ref(name, desc): return {"$ref": D + name, "description": desc}
def arr(items, desc): return {"type": "array", "items": items, "description": desc}
def strmap(value, desc): return {"type": "object", "additionalProperties": value, "description": desc}
def codemap(value, desc): return {"type": "object", "propertyNames": {"pattern": "^-?[0-9]+$"}, "additionalProperties": value, "description": desc}
ANY = {"description": "Any JSON value; strings may hold ${var} templates and objects may be generators ($str, $list, $chunks)."}
U32 = {"type": "integer", "minimum": 0, "maximum": 4294967295}
U64 = {"type": "integer", "minimum": 0}

defs = {
  "Codes": {"description": "One error code or a list of acceptable codes.",
            "oneOf": [{"type": "integer"}, {"type": "array", "items": {"type": "integer"}, "minItems": 1}]},
  "SchemaRef": {"description": "A JSON Schema (draft 2020-12): inline, or {$ref: FILE} relative to this spec file (files live under specs/schemas/).",
                "type": ["object", "boolean"]},
  "ErrorDecl": obj("A documented error code.", {
      "meaning": s("What the code means, from the docs."),
      "untriggerable": {"type": ["string", "null"], "description": "Why no outside request can provoke this code (internal fault, quota, console state...). Omit when a case provokes it."}},
      ["meaning"]),
  "FixtureUse": obj("A case's use of a service fixture: `g: {use: group, with: {type: Public}}`.", {
      "use": s("Name of a fixture declared in service.yaml `fixtures:`."),
      "with": strmap(ANY, "Fixture parameters (templates; may read run and generator variables).")},
      ["use"]),
  "SigOverride": obj("How this step's UserSig differs from a good one.", {
      "identifier": dict(ANY, description="Sign for another identifier (and send that identifier), e.g. \"${u.UserID}\"."),
      "key": s("Sign with another key (any string, e.g. `wrong`)."),
      "sdkappid": dict(U64, description="Sign for another SDKAppID; the query keeps the configured one."),
      "age_secs": dict(U64, description="Issue time this many seconds in the past."),
      "expire_secs": dict(U64, description="Lifetime written into the UserSig, in seconds."),
      "literal": s("Send this literal string as the usersig.")}),
  "Snapshot": {"description": "`snapshot: name`, or `{name: x, sort: [/Array]}`: compare the redacted response to snapshots/NAME.snap. Names are unique across the suite.",
      "oneOf": [s("Snapshot name."),
                {"type": "object", "required": ["name"], "description": "Snapshot with arrays to sort first.",
                 "properties": {"name": s("Snapshot name, unique across the suite."),
                                "sort": arr(s("JSON pointer"), "Arrays (JSON pointers) whose order the docs do not promise; sorted before comparing.")}}]},
  "PathCheck": obj("A matcher on one JSON pointer of the response body.", {
      "path": s("JSON pointer into the response body, e.g. /GroupAttrAry."),
      "equals": dict(ANY, description="The value equals this (templates allowed). Note: `equals: null` reads as no matcher."),
      "unordered": arr(ANY, "The array holds exactly these elements, in any order."),
      "includes": dict(ANY, description="The array holds an element containing this value (objects match on the given keys)."),
      "excludes": dict(ANY, description="The array holds no element containing this value."),
      "exists": {"type": "boolean", "description": "The path is present (true) or absent (false)."},
      "empty_or_absent": {"type": "boolean", "description": "Absent, null, [] or {}: for shapes the docs leave open."},
      "length": dict(U64, description="The array (or object) has this many elements."),
      "one_of": arr(ANY, "The value equals one of these.")},
      ["path"]),
  "Expect": obj("What the response must satisfy. Without `expect`, a step expects the success code.", {
      "http_status": dict(U32, maximum=65535, description="Expected HTTP status (the envelope's http_status by default)."),
      "code": ref("Codes", "Expected error code, or a list of acceptable codes."),
      "schema": {"type": "boolean", "default": True, "description": "Validate the body against the endpoint's response_schema (success) or the envelope schema (failure)."},
      "paths": arr({"$ref": D + "PathCheck"}, "Matchers on parts of the body."),
      "snapshot": {"$ref": D + "Snapshot"}}),
  "Step": obj("One request and what its response must satisfy.", {
      "call": s("Name of the endpoint to call (an endpoints/NAME.yaml)."),
      "body": dict(ANY, description="JSON body (templates and generators allowed)."),
      "raw_body": s("Body sent verbatim instead of `body` (for bodies that are not JSON)."),
      "query": strmap({"description": "A template value, or null to leave the parameter out."}, "Override or remove auth query parameters: `{contenttype: xml, random: null}`."),
      "usersig": {"$ref": D + "SigOverride"},
      "expect": {"$ref": D + "Expect"},
      "capture": strmap(s("JSON pointer into the response."), "Variables for later steps: `{gid: /GroupId}`."),
      "burst": {"type": "boolean", "default": False, "description": "Send without client-side pacing (to trip rate limits)."}},
      ["call"]),
  "Lock": {"description": "App-wide state held while a case runs: a bare name is held exclusively (no other holder overlaps); {name, mode: shared} overlaps other shared holders but never an exclusive one.",
           "oneOf": [{"type": "string"},
                     obj("A lock with its mode.", {
                         "name": s("The lock's name."),
                         "mode": {"enum": ["shared", "exclusive"], "description": "shared: only reads the state; exclusive: may change it."}},
                         ["name", "mode"])]},
  "Case": obj("A written case; the test id is `endpoint::name` (or `service::name`).", {
      "name": s("Unique within the file; no spaces or `::`.", pattern="^(?!.*::)\\S+$"),
      "description": s("What the case shows and where the docs say so."),
      "tags": arr({"type": "string"}, "Free-form tags for selection (state, errors, auth, ...)."),
      "profiles": arr({"type": "string"}, "Profiles (doc revisions) the case runs under; empty: all."),
      "requires": arr({"type": "string"}, "Optional features (service `features:`) the case needs; skipped when the target lacks one."),
      "locks": arr({"$ref": D + "Lock"}, "App-wide state the case holds: exclusive holders of a lock overlap no other holder of it."),
      "vars": strmap(ANY, "Case variables, read as ${name}."),
      "fixtures": strmap({"$ref": D + "FixtureUse"}, "Fixtures by local name; exports are read as ${local.export}."),
      "steps": arr({"$ref": D + "Step"}, "The requests, in order."),
      "teardown": arr({"$ref": D + "Step"}, "Steps that always run afterwards, after failures too.")},
      ["name", "steps"]),
  "CaseTemplate": obj("The skeleton a generator fills in; its last step carries the verdict.", {
      "description": s("What the probe does (shown for write-limit entries)."),
      "tags": arr({"type": "string"}, "Tags of the generated cases."),
      "fixtures": strmap({"$ref": D + "FixtureUse"}, "Fixtures by local name."),
      "steps": arr({"$ref": D + "Step"}, "The requests; the generator sets the last step's expected code.", ),
      "teardown": arr({"$ref": D + "Step"}, "Steps run after each generated case, after failures too (e.g. remove what an accepting target created)."),
      "locks": arr({"$ref": D + "Lock"}, "Locks the generated cases hold.")},
      ["steps"]),
  "Untriggerable": {"type": "object", "description": "Sides no case can probe, each with the reason: generates no case for them, and coverage shows the reason.",
      "propertyNames": {"enum": ["at_min", "below_min", "at_max", "past_max"]},
      "additionalProperties": s("Why no outside request can probe this side.", minLength=1)},
  "Range": obj("A documented range of integer values (an index, an enum, a u32): the probe runs with ${n} at min and max (accepted) and at min - 1 and max + 1 (`code`).", {
      "description": s("The range as documented."),
      "min": {"type": "integer", "description": "The smallest valid value."},
      "max": {"type": "integer", "description": "The largest valid value."},
      "code": ref("Codes", "Code(s) answered outside the range."),
      "profiles": arr({"type": "string"}, "Profiles (doc revisions) that state the range; empty: all."),
      "untriggerable": {"$ref": D + "Untriggerable"},
      "probe": ref("CaseTemplate", "Run with ${n}; its last step expects success inside the range and `code` outside.")},
      ["min", "max", "code"]),
}
defs["CaseTemplate"]["properties"]["steps"]["minItems"] = 1
defs["Case"]["properties"]["steps"]["minItems"] = 1

service_defs = dict(defs)
service_defs.update({
  "BatchStep": obj("A step whose body carries one entry per instance.", {
      "step": {"$ref": D + "Step", "description": "The call; its body holds everything but the list."},
      "list": s("Where the entries go: a one-segment JSON pointer into the body (`/Accounts`).", pattern="^/[^/]+$"),
      "item": {"description": "One instance's entry, over its variables (`${self.name}`, parameters)."},
      "failed": s("Where the answer lists the entries that failed (setup only).")},
      ["step", "list", "item"]),
  "FixtureDef": obj("A reusable setup/teardown pair that cases name in `fixtures:`.", {
      "description": s("What the fixture provides."),
      "params": strmap(ANY, "Parameter -> default value (null: the parameter is required)."),
      "setup": arr({"$ref": D + "Step"}, "Steps run before the case; captures are visible to exports."),
      "teardown": arr({"$ref": D + "Step"}, "Steps run after the case, always."),
      "exports": strmap(ANY, "What a case sees as ${local.NAME} (templates over params, captures, ${self.name})."),
      "locks": arr({"$ref": D + "Lock"}, "App-wide state the fixture touches; cases using it hold these locks."),
      "reuse": {"enum": ["while_shared"], "description": "while_shared: made by the first case holding its (shared) locks and kept for later ones, until a case holds one of them exclusively. Needs a shared lock and no teardown."},
      "batch": obj("The same made and removed for many instances in one call, where the API takes lists (a whole run only).", {
          "max": {"type": "integer", "minimum": 1, "description": "Most instances one call takes."},
          "setup": {"$ref": D + "BatchStep", "description": "Makes the instances (instead of `setup`)."},
          "teardown": {"$ref": D + "BatchStep", "description": "Removes the instances (instead of `teardown`), after their cases, beside other cases."}},
          ["max"])},
      ["setup"]),
})
service = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "imconform service spec (specs/service.yaml)",
  "description": "The service: auth, envelope, profiles, common errors, fixtures, redactions and service-wide cases. Mirrors RawService in src/spec/raw.rs.",
  **obj("", {
    "service": s("Service name."),
    "base_path": s("Path prefix of every endpoint, e.g. v4."),
    "auth": obj("How every request is authenticated.", {
        "scheme": s("Auth scheme; only `usersig` is known.", enum=["usersig"]),
        "method": s("HTTP method of every call (default POST).", default="POST"),
        "query": strmap(ANY, "Query parameters in order; values may read ${auth.sdkappid}, ${auth.identifier}, ${auth.usersig}, ${auth.random}."),
        "secret_params": arr({"type": "string"}, "Query parameters whose values are redacted in every output."),
        "expiry": obj("When a signature stops being valid (time + expire): generates service::expiry.before (accepted) and service::expiry.after (`code`), both signed issued_secs_ago.", {
            "description": s("The rule as documented."),
            "code": ref("Codes", "Code(s) answered for an expired signature."),
            "before_secs": dict(U64, minimum=1, description="The accepted probe's sig expires this many seconds after it is sent (a margin for the target's clock)."),
            "after_secs": dict(U64, minimum=1, description="The refused probe's sig expired this many seconds before it is sent; below issued_secs_ago."),
            "issued_secs_ago": dict(U64, default=600, description="Both sigs are issued this long ago, so a target whose clock runs behind sees no sig from its future."),
            "probe": ref("CaseTemplate", "The request; its last step is signed either side of the edge.")},
            ["code", "before_secs", "after_secs"])},
        ["scheme", "query"]),
    "envelope": obj("The response envelope every call returns.", {
        "http_status": dict(U32, maximum=65535, description="HTTP status of every answer."),
        "status_field": s("Field holding ok_status / fail_status."),
        "code_field": s("Field holding the error code."),
        "info_field": s("Field holding the error text."),
        "ok_status": s("Status value on success."),
        "fail_status": s("Status value on failure."),
        "success_code": {"type": "integer", "description": "Error code meaning success."},
        "content_type": s("Media type every response must declare (parameters such as charset are ignored)."),
        "schema": ref("SchemaRef", "JSON Schema of the envelope (used for failure responses).")},
        ["http_status", "status_field", "code_field", "info_field", "ok_status", "fail_status", "success_code", "schema"]),
    "group_types": arr({"type": "string"}, "Every group type of the service; group-type probes run once per type."),
    "default_profile": s("The profile run by default (the newest docs)."),
    "profiles": strmap(obj("A named doc revision.", {"description": s("Which doc revisions the profile stands for.")}, ["description"]), "Named doc revisions that endpoints may override facts for."),
    "common_errors": codemap({"$ref": D + "ErrorDecl"}, "Codes any endpoint may answer, by code."),
    "retryable_codes": arr({"type": "integer"}, "Codes meaning \"try again\": the runner retries these (bounded), and nothing else."),
    "features": strmap(obj("An optional feature of the target app.", {
        "description": s("What the feature is and how it is enabled."),
        "not_enabled_codes": arr({"type": "integer"}, "Codes by which a target says the feature is not enabled (the case is skipped).")},
        ["description", "not_enabled_codes"]), "Optional features that cases `requires:`."),
    "fixtures": strmap({"$ref": D + "FixtureDef"}, "Reusable fixtures by name."),
    "ranges": strmap({"$ref": D + "Range"}, "Documented ranges every call is subject to (a query parameter's values); generates service::range.NAME.*."),
    "redactions": arr(obj("A run-dependent response value replaced in snapshots.", {
        "path": s("JSON pointer; a `*` segment matches every array index or object key.", pattern="^/"),
        "placeholder": s("Text written instead, e.g. [timestamp].")}, ["path", "placeholder"]), "Values replaced in snapshots."),
    "cases": arr({"$ref": D + "Case"}, "Service-wide cases (auth, envelope)."),
  }, ["service", "base_path", "auth", "envelope", "group_types", "default_profile", "profiles", "common_errors"]),
  "$defs": service_defs,
}
del service["description"]  # obj("") set an empty one; keep the top-level description
service["description"] = "The service: auth, envelope, profiles, common errors, fixtures, redactions and service-wide cases. Mirrors RawService in src/spec/raw.rs."

endpoint = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "imconform endpoint spec (specs/endpoints/NAME.yaml)",
  **obj("", {
    "endpoint": s("Endpoint name, used by steps' `call:`."),
    "summary": s("One line on what the endpoint does."),
    "path": s("Path under base_path, e.g. group_open_http_svc/get_group_attr."),
    "aliases": arr({"type": "string"}, "Other paths real clients use for the same command (served by lenient targets)."),
    "rate_limit": {"type": ["integer", "null"], "minimum": 0, "maximum": 4294967295, "description": "Documented calls per second for this API."},
    "write_limits": arr(obj("A write-rate limit shared by several endpoints, keyed by a request field.", {
        "bucket": s("Bucket name; endpoints naming the same bucket share it."),
        "key": s("JSON pointer into the request body whose value keys the bucket, e.g. /GroupId."),
        "per_second": dict(U32, description="Writes allowed per second per key."),
        "code": ref("Codes", "Code(s) answered past the limit."),
        "probe": ref("CaseTemplate", "Its setup steps run once, then its last step per_second times (all succeed), then per_second + 1 times (the last fails)."),
        "counted": strmap({"$ref": D + "CaseTemplate"}, "Other writes that count toward this bucket (each step one write of an endpoint naming it): the probe's writes and the entry's fill the bucket, and the probe's next write is refused."),
        "not_counted": strmap({"$ref": D + "CaseTemplate"}, "Calls that must not count (reads, another key): the entry's steps are sent per_second times, then the probe's write per_second times, and all succeed.")},
        ["bucket", "key", "per_second", "code"]), "Write-rate limits (2 generated cases each with a probe, one per counted and not_counted entry)."),
    "group_types": obj("Which group types the endpoint supports (default profile).", {
        "supported": arr({"type": "string"}, "Supported group types."),
        "unsupported_code": {"type": "integer", "description": "Code answered for an unsupported type; must be among `errors`."},
        "probe": ref("CaseTemplate", "Run once per service group type with ${group_type}; its last step expects success if supported, else unsupported_code.")},
        ["supported", "unsupported_code"]),
    "profiles": strmap(obj("What a doc revision changes for this endpoint.", {
        "path": s("The path under this profile."),
        "group_types": arr({"type": "string"}, "Supported group types under this profile.")}), "Per-profile overrides."),
    "request_schema": ref("SchemaRef", "JSON Schema of the request body."),
    "response_schema": ref("SchemaRef", "JSON Schema of the SUCCESS response (must allow extra fields)."),
    "limits": strmap(obj("A documented limit; the probe generates cases at max and max + 1 (and at min and min - 1 when `min` is given).", {
        "description": s("The limit as documented."),
        "max": dict(U64, description="The largest allowed size."),
        "min": dict(U64, description="The smallest allowed size, where the docs give one (0: empty is allowed); generates the case at it and, above 0, just below it."),
        "min_code": ref("Codes", "Code(s) answered below min (default: `code`)."),
        "read_back": arr({"$ref": D + "Step"}, "Steps run after every accepted probe, in its scope: read the value back where the docs say it is stored."),
        "untriggerable": {"$ref": D + "Untriggerable"},
        "unit": s("bytes (UTF-8) or count.", enum=["bytes", "count"]),
        "code": ref("Codes", "Code(s) answered at max + 1."),
        "encodings": arr(s("ascii or multibyte", enum=["ascii", "multibyte"]), "Fills for byte limits (default [ascii]); not allowed for count limits."),
        "probe": ref("CaseTemplate", "Run with ${n} (size under test) and ${fill}; its last step expects success at max and `code` at max + 1.")},
        ["max", "unit", "code"]), "Documented limits by name."),
    "ranges": strmap({"$ref": D + "Range"}, "Documented ranges of integer values by name; generates range.NAME.{at_min,below_min,at_max,past_max}."),
    "errors": codemap({"$ref": D + "ErrorDecl"}, "Every documented code of the endpoint, by code."),
    "cases": arr({"$ref": D + "Case"}, "Written cases."),
  }, ["endpoint", "path", "request_schema", "response_schema", "errors"]),
  "$defs": defs,
}
endpoint["description"] = "One endpoint: path, limits, group types, errors and cases. Mirrors RawEndpoint in src/spec/raw.rs."

for name, doc in [("service.schema.json", service), ("endpoint.schema.json", endpoint)]:
    (HERE / name).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print("wrote", name)

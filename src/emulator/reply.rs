//! What an endpoint hands back: API-specific fields on success, or a code and reason. The
//! envelope around them (field order, faults, whitespace) is rendered in `server`.

use std::borrow::Cow;

use serde_json::Value;

/// An API-level failure: the envelope's ErrorCode and ErrorInfo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("error {code}: {info}")]
pub(crate) struct ApiError {
    pub code: u32,
    pub info: Cow<'static, str>,
}

impl ApiError {
    pub(crate) fn new(code: u32, info: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            info: info.into(),
        }
    }
}

/// A successful answer: the fields beside ActionStatus/ErrorInfo/ErrorCode, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Reply {
    pub fields: Vec<(&'static str, Value)>,
    /// A failing top-level code sent with the fields (details_differ's get_group_info, whose
    /// top-level code the docs call meaningless); None: success.
    pub top_level: Option<ApiError>,
}

impl Reply {
    /// The bare success envelope.
    pub(crate) fn ok() -> Self {
        Self::default()
    }

    pub(crate) fn with(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.fields.push((name, value.into()));
        self
    }
}

pub(crate) type ApiResult = Result<Reply, ApiError>;

/// The service error codes the emulator answers with (reference §2).
pub(crate) mod code {
    pub const BAD_HTTP_REQUEST: u32 = 60002;
    pub const BAD_JSON_BODY: u32 = 60003;
    pub const BAD_IDENTIFIER: u32 = 60004;
    pub const BAD_ACCOUNT_OR_SIG: u32 = 60005;
    pub const BAD_SDKAPPID: u32 = 60006;
    pub const API_RATE: u32 = 60007;
    pub const BAD_PATH: u32 = 60009;
    pub const NOT_ADMIN: u32 = 60010;
    pub const MISSING_SDKAPPID: u32 = 60012;

    pub const SIG_EXPIRED: u32 = 70001;
    pub const SIG_EMPTY: u32 = 70002;
    pub const SIG_INVALID: u32 = 70003;
    pub const SIG_INVALID_ALT: u32 = 70005;
    pub const SIG_HMAC: u32 = 70009;
    pub const SIG_IDENTIFIER: u32 = 70013;
    pub const SIG_SDKAPPID: u32 = 70014;
    pub const PROFILE_FIELD_TOO_LONG: u32 = 40601;
    pub const ACCOUNT_NOT_FOUND: u32 = 70107;
    pub const ACCOUNT_BAD_BATCH: u32 = 70206;
    pub const ACCOUNT_PARAM: u32 = 70402;
    pub const ACCOUNT_ADMIN_REQUIRED: u32 = 70403;

    pub const GROUP_BAD_COMMAND: u32 = 10003;
    pub const GROUP_PARAM: u32 = 10004;
    pub const GROUP_TOO_MANY_ACCOUNTS: u32 = 10005;
    pub const GROUP_NO_PERMISSION: u32 = 10007;
    pub const GROUP_NOT_FOUND: u32 = 10010;
    pub const GROUP_BAD_JSON: u32 = 10011;
    pub const GROUP_BAD_ID: u32 = 10015;
    pub const GROUP_USER_NOT_FOUND: u32 = 10019;
    pub const GROUP_ID_USED_ELSEWHERE: u32 = 10021;
    pub const GROUP_ID_USED: u32 = 10025;
    pub const ATTR_KEY_TOO_LONG: u32 = 10045;
    pub const ATTR_VALUE_TOO_LONG: u32 = 10046;
    pub const ATTR_TOO_MANY_KEYS: u32 = 10047;
    pub const ATTR_TOTAL_TOO_LARGE: u32 = 10048;
    pub const ATTR_WRITE_RATE: u32 = 10049;
    pub const ATTR_KEY_MISSING: u32 = 10050;
    pub const COMMUNITY_OFF: u32 = 11000;

    pub const PUSH_PARAM: u32 = 90001;
    pub const PUSH_ADMIN_REQUIRED: u32 = 90009;
    pub const PUSH_TOO_MANY_ACCOUNTS: u32 = 90018;
    pub const PUSH_ATTR_LENGTH: u32 = 90030;
    pub const PUSH_ATTR_INVALID: u32 = 90033;
    pub const PUSH_OFF: u32 = 90045;
    pub const PUSH_ACCOUNT_NOT_FOUND: u32 = 90048;
}

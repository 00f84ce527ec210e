//! Named deviations a real vendor could ship. Each one switches exactly the behaviour its
//! description claims, so a conformance spec can be shown to catch it.

use std::fmt;
use std::str::FromStr;

/// Declares the fault enum together with its kebab-case names and descriptions, so the three
/// can never drift apart.
macro_rules! faults {
    ($( $variant:ident => $name:literal : $desc:literal ; )*) => {
        /// A deviation from the documented behaviour.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Fault { $( $variant, )* }

        const ALL_FAULTS: &[Fault] = &[ $( Fault::$variant, )* ];

        impl Fault {
            /// The kebab-case name used on the command line.
            pub fn name(self) -> &'static str {
                match self { $( Fault::$variant => $name, )* }
            }

            /// What changes when this fault is on.
            pub fn description(self) -> &'static str {
                match self { $( Fault::$variant => $desc, )* }
            }
        }
    };
}

faults! {
    // auth
    ExpiredSigAccepted => "expired-sig-accepted": "an expired usersig is accepted instead of answering 70001";
    WrongKeyAccepted => "wrong-key-accepted": "the usersig HMAC is not checked, so a sig made with another key is accepted (no 70009)";
    NonAdminAccepted => "non-admin-accepted": "an identifier that is not an app admin is accepted (no 60010)";
    IdentifierMismatchAccepted => "identifier-mismatch-accepted": "a usersig issued for another identifier is accepted (no 70013)";
    SdkappidNotChecked => "sdkappid-not-checked": "the sdkappid query value is not checked against the app (no 60006); it must still be present";
    ContenttypeNotChecked => "contenttype-not-checked": "a missing or non-json contenttype query value is accepted (no 60002)";
    RandomNotChecked => "random-not-checked": "a missing or non-u32 random query value is accepted (no 60002)";
    EmptySigWrongCode => "empty-sig-wrong-code": "a missing or empty usersig answers 70003 instead of 70002";
    ExpiredSigGrace => "expired-sig-grace": "a usersig expired less than 30 s ago is still accepted (a clock-skew grace the docs do not give)";
    SigExpiresEarly => "sig-expires-early": "a usersig is refused as expired (70001) from 120 s before time + expire";
    RandomMaxRefused => "random-max-refused": "the largest random, 4294967295, is refused with 60002 (the range checked as < 4294967295)";
    // envelope
    OkStatusOnError => "ok-status-on-error": "error responses carry ActionStatus \"OK\" instead of \"FAIL\"";
    ErrorCodeAsString => "error-code-as-string": "ErrorCode is sent as a JSON string (\"0\", \"10010\") instead of an integer";
    Http500OnError => "http-500-on-error": "API-level errors are answered with HTTP 500 instead of 200";
    ErrorInfoMissing => "error-info-missing": "error responses omit the ErrorInfo field";
    NonJsonErrorBody => "non-json-error-body": "error responses have a plain-text body instead of the JSON envelope";
    WrongContentType => "wrong-content-type": "responses carry Content-Type text/plain instead of application/json";
    // limits
    KeyLimitOffByOne => "key-limit-off-by-one": "attribute keys of 33 bytes are accepted (limit enforced as > 33 instead of > 32)";
    KeyLengthInChars => "key-length-in-chars": "attribute key length is counted in characters, not UTF-8 bytes";
    ValueLimitOffByOne => "value-limit-off-by-one": "attribute values of 4001 bytes are accepted (limit > 4001 instead of > 4000)";
    KeyCountOffByOne => "key-count-off-by-one": "17 attribute keys are accepted (limit > 17 instead of > 16)";
    TotalSizeInChars => "total-size-in-chars": "the 16000 total of attribute values is counted in characters, not bytes";
    TotalSizeOffByOne => "total-size-off-by-one": "a total of 16001 value bytes is accepted (limit > 16001 instead of > 16000)";
    AccountBatchOffByOne => "account-batch-off-by-one": "101 accounts per request are accepted where 100 is the limit (multiaccount_import, account_delete, account_check, push attribute APIs)";
    PushValueLimitOffByOne => "push-value-limit-off-by-one": "push attribute values of 51 bytes are accepted (limit > 51 instead of > 50)";
    PushMinLengthOffByOne => "push-min-length-off-by-one": "push attribute names and values of 1 byte are refused with 90030 (minimum 2 bytes instead of 1)";
    PushEmptyAccepted => "push-empty-accepted": "empty push attribute names and values are accepted (no 90030)";
    AttrIndexTenAccepted => "attr-index-ten-accepted": "push attribute index \"10\" is accepted by set_attr_name (indexes 0-10 instead of 0-9)";
    AttrIndexNineRefused => "attr-index-nine-refused": "push attribute index \"9\" is refused by set_attr_name with 90033 (indexes 0-8 instead of 0-9)";
    AttrIndexNegativeAccepted => "attr-index-negative-accepted": "push attribute index \"-1\" is accepted by set_attr_name (and ignored)";
    AttrTypeUnchecked => "attr-type-unchecked": "AttrTypes values other than 0 and 1 are accepted (and taken as 0)";
    GroupIdLimitOffByOne => "group-id-limit-off-by-one": "create_group accepts custom GroupIds of 49 bytes (limit > 49 instead of > 48)";
    UserIdMaxRefused => "user-id-max-refused": "account_import refuses UserIDs of 32 bytes with 70402 (limit < 32 instead of <= 32)";
    // error codes
    LongKeyWrongCode => "long-key-wrong-code": "an over-long attribute key answers 10004 instead of 10045";
    UnknownGroupWrongCode => "unknown-group-wrong-code": "an unknown or destroyed group answers 10004 instead of 10010 on the attribute APIs";
    DeleteMissingKeySucceeds => "delete-missing-key-succeeds": "delete_group_attr of a key that is not present succeeds (no 10050); present keys are deleted";
    UnsetAttrNameAccepted => "unset-attr-name-accepted": "push set_attr with an attribute name that was never set is accepted (no 90033)";
    // group types
    AvchatroomRefused => "avchatroom-refused": "the group attribute APIs refuse AVChatRoom groups with 10007";
    CommunityClearAllowed => "community-clear-allowed": "clear_group_attr works on Community groups instead of answering 10007";
    CommunityModifyRefused => "community-modify-refused": "modify_group_attr refuses Community groups with 10007";
    // state semantics
    SetMergesInsteadOfReplacing => "set-merges-instead-of-replacing": "set_group_attr (reset) upserts like modify instead of replacing the whole set";
    ClearLeavesOneKey => "clear-leaves-one-key": "clear_group_attr leaves the oldest key behind";
    DeleteRemovesAllKeys => "delete-removes-all-keys": "delete_group_attr removes every key, not just the listed ones";
    ModifyReplacesAll => "modify-replaces-all": "modify_group_attr replaces the whole set instead of upserting the listed keys";
    KeysCaseInsensitive => "keys-case-insensitive": "attribute keys are compared case-insensitively (\"Seat\" and \"seat\" are one key)";
    DestroyedGroupKeepsAttrs => "destroyed-group-keeps-attrs": "after destroy_group the attribute APIs still reach the group's attributes (no 10010)";
    GroupAttrFieldRenamed => "group-attr-field-renamed": "get_group_attr answers the list in a field named GroupAttr instead of GroupAttrAry";
    StoredAtMaxTruncated => "stored-at-max-truncated": "strings of exactly their maximum length are stored without their last character (attribute keys 32 B and values 4000 B, push names and values 50 B, group Name 30 B, Introduction 240 B, Notification 300 B, FaceUrl 100 B)";
    // ErrorList
    ErrorListMissing => "error-list-missing": "push attribute APIs leave unknown accounts out silently (no ErrorList)";
    ErrorListWrongCode => "error-list-wrong-code": "ErrorList entries for unknown accounts carry 90048 instead of 70107";
    // rate limits
    NoWriteRateLimit => "no-write-rate-limit": "attribute writes per group are not limited (no 10049)";
    WriteRateLimitTen => "write-rate-limit-ten": "attribute writes per group are limited to 10 per second instead of 5";
    ReadsCountAsWrites => "reads-count-as-writes": "get_group_attr counts toward the 5 attribute writes per second of its group";
    WriteLimitPerApp => "write-limit-per-app": "the 5 attribute writes per second are counted across all groups of the app, not per group";
    WriteLimitPerApi => "write-limit-per-api": "modify, set, clear and delete each have their own 5 writes/s per group instead of sharing one";
}

/// Every fault, in declaration order (grouped by class).
pub fn all_faults() -> &'static [Fault] {
    ALL_FAULTS
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fault name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault {name:?}; valid faults: {valid}")]
pub struct UnknownFault {
    pub name: String,
    pub valid: String,
}

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_FAULTS
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFault {
                name: s.to_owned(),
                valid: ALL_FAULTS
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// The active faults as a bit set, so the hot path checks one in a single instruction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FaultSet(u128);

#[cfg(test)]
impl FaultSet {
    pub(crate) const EMPTY: FaultSet = FaultSet(0);
}

impl FaultSet {
    pub(crate) fn new(faults: &[Fault]) -> Self {
        Self(faults.iter().fold(0, |bits, f| bits | Self::bit(*f)))
    }

    pub(crate) fn has(self, fault: Fault) -> bool {
        self.0 & Self::bit(fault) != 0
    }

    fn bit(fault: Fault) -> u128 {
        1u128 << (fault as u32)
    }

    /// A string as a store keeps it: whole, or, under `stored-at-max-truncated`, without its
    /// last character when it is exactly `max` bytes long.
    pub(crate) fn stored(self, value: &str, max: usize) -> String {
        let mut kept = value.to_owned();
        if self.has(Fault::StoredAtMaxTruncated) && value.len() == max {
            kept.pop();
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_round_trip() {
        assert!(all_faults().len() >= 32);
        assert!(all_faults().len() <= 128, "FaultSet is a u128");
        let mut seen = HashSet::new();
        for f in all_faults() {
            assert!(seen.insert(f.name()), "duplicate {}", f.name());
            assert!(
                f.name()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            );
            assert!(!f.description().is_empty());
            assert_eq!(f.name().parse::<Fault>(), Ok(*f));
        }
    }

    #[test]
    fn unknown_name_lists_valid_names() {
        let err = "no-such-fault".parse::<Fault>().unwrap_err();
        assert!(err.to_string().contains("expired-sig-accepted"));
        assert!(err.to_string().contains("no-such-fault"));
    }

    #[test]
    fn fault_set_tracks_membership() {
        let set = FaultSet::new(&[Fault::KeyLimitOffByOne, Fault::WriteRateLimitTen]);
        assert!(set.has(Fault::KeyLimitOffByOne) && set.has(Fault::WriteRateLimitTen));
        assert!(!set.has(Fault::ExpiredSigAccepted));
    }
}

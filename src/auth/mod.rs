//! Request authentication: TLSSigAPIv2 UserSigs, and the signer a run uses.

pub mod signer;
pub mod usersig;

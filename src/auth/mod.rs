//! Request authentication.

pub mod usersig;

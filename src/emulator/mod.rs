//! The reference emulator (see issue 3).

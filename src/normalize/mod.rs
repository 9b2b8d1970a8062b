//! Normalization: turns published strings into clean values and stable keys.
//! Every function here is a pure function of its input.

pub mod codes;
pub mod names;
pub mod phone;
pub mod postal;
pub mod states;
pub mod text;

pub use codes::{CodeClass, EcCode};
pub use text::{clean, fold_key};

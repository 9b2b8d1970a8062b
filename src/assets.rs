//! Files embedded in the binary from `assets/`.

#[derive(rust_embed::RustEmbed)]
#[folder = "assets/"]
pub struct Assets;

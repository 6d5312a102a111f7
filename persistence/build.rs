//! `embed_migrations!` reads the migrations when this crate compiles; a migration added since
//! would go unseen by an incremental build without this.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}

// embed_migrations! does not see new migration folders by itself.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}

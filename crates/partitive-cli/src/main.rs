fn main() {
    println!("partitive");
}

// Smoke program of the rust runtime: the sandbox must compile and run it and see OK.
fn main() {
    let letters: Vec<&str> = vec!["O", "K"];
    println!("{}", letters.concat());
}

// Smoke program of the go runtime: the sandbox must build and run it and see OK.
package main

import "fmt"

func main() {
	fmt.Println("OK")
}

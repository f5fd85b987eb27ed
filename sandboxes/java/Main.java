// Smoke program of the java runtime: the sandbox must compile and run it and see OK.
import java.util.List;

public class Main {
    public static void main(String[] args) {
        List<String> letters = List.of("O", "K");
        System.out.println(String.join("", letters));
    }
}

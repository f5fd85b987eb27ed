#include <iostream>
#include <numeric>
#include <string>
#include <vector>

// Exercises the standard library (containers, algorithms, strings) and iostream.
int main() {
    std::vector<int> values{1, 2, 3};
    const int total = std::accumulate(values.begin(), values.end(), 0);
    std::cout << (total == 6 ? std::string("OK") : std::string("FAIL")) << std::endl;
    return 0;
}

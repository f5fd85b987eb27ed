#include <math.h>
#include <stdio.h>

/* Links against libm (-lm) and runs from the work directory, which must allow exec. */
int main(void) {
    volatile double four = 4.0;
    puts(sqrt(four) == 2.0 ? "OK" : "FAIL");
    return 0;
}

import json
import math

# Touches the stdlib (json, math) so a broken interpreter or a missing module shows up here.
values = json.loads("[1, 4, 9]")
print("OK" if [math.isqrt(value) for value in values] == [1, 2, 3] else "FAIL")

import type { ProgramTest } from '../schemas/task.ts';

/**
 * What an APPS call-based program starts with: upstream's import header (`run_test` in
 * hendrycks/apps `eval/testing_util.py` prepends it to the answer, word for word), after a line
 * that names the module as upstream's loader does (`RuntimeModule.from_string("tmp_sol", …)`):
 * there an answer's `if __name__ == "__main__":` block never runs, and here it must not either.
 */
export const APPS_CALL_HEADER = [
  "__name__ = 'tmp_sol'",
  'import sys',
  'import time',
  'import itertools',
  'from itertools import accumulate, product, permutations, combinations',
  'import collections',
  'from collections import Counter, OrderedDict, deque, defaultdict, ChainMap',
  'from functools import lru_cache',
  'import math',
  'from math import sqrt, sin, cos, tan, ceil, fabs, floor, gcd, exp, log, log2',
  'import fractions',
  'from typing import List, Tuple',
  'import numpy as np',
  'import random',
  'import heapq',
  'from heapq import *',
  '',
].join('\n');

/** The exit code by which a call-based test reports a wrong return value (`wrongAnswerExitCode`). */
export const APPS_WRONG_ANSWER_EXIT_CODE = 97;

// The first line of every call-based test. The check finds the answer's text as what comes
// before its last occurrence after a newline: the JSON literals below the line are escaped
// (they never hold a raw newline), so the line cannot occur again after it.
const FIRST_LINE = '# sandbench: APPS call-based test, judged as run_test in hendrycks/apps eval/testing_util.py judges one';

/**
 * The check, in Python, as upstream's call-based branch of `run_test` does it for one test:
 * - JSON object keys are text: a dict that is the first argument (then the only one, as upstream
 *   keeps only it), the expected value or its first item gets integer keys, and stays as it was
 *   when a key is not a number;
 * - the answer's text holding "class Solution" means `Solution().<name>`, else the module's
 *   function `<name>`; either missing is an error that names it;
 * - the return value, a tuple made a list, passes when it equals the expected value, or its
 *   first item when that is a non-empty list (many outputs are wrapped in a list), or, for a
 *   sequence of tuples, when those as lists equal the first item;
 * - an exception is the answer's (a runtime error); a wrong value is reported on stderr and
 *   ends the program with the wrong-answer exit code.
 */
const CHECK = `
${FIRST_LINE}
def _sandbench_apps_call(function_name, arguments_json, expected_json):
    import json
    import reprlib
    import sys

    arguments = json.loads(arguments_json)
    expected = json.loads(expected_json)
    try:
        if isinstance(arguments[0], dict):
            arguments = [{int(key): value for key, value in arguments[0].items()}]
    except Exception:
        pass
    try:
        if isinstance(expected, dict):
            expected = [{int(key): value for key, value in expected.items()}]
    except Exception:
        pass
    try:
        if isinstance(expected[0], dict):
            expected = [{int(key): value for key, value in expected[0].items()}]
    except Exception:
        pass

    with open(__file__, "rb") as handle:
        program = handle.read().decode("utf-8", "replace")
    answer = program[:program.rfind(${pythonStringLiteral(`\n${FIRST_LINE}`)})]
    module = sys.modules["__main__"]
    if "class Solution" in answer:
        if not hasattr(module, "Solution"):
            raise NameError("APPS calls Solution().%s(*inputs), but the answer defines no class Solution" % function_name)
        try:
            function = getattr(module.Solution(), function_name)
        except AttributeError:
            raise AttributeError("APPS calls Solution().%s(*inputs), but class Solution has no method %r" % (function_name, function_name)) from None
    else:
        try:
            function = getattr(module, function_name)
        except AttributeError:
            raise NameError("APPS calls %s(*inputs), but the answer defines no function %r" % (function_name, function_name)) from None

    output = function(*arguments)
    if isinstance(output, tuple):
        output = list(output)
    passed = output == expected
    if isinstance(expected, list) and expected:
        passed = passed or output == expected[0]
    try:
        if isinstance(output[0], tuple):
            passed = passed or [list(item) for item in output] == expected[0]
    except Exception:
        pass
    if not passed:
        shown = reprlib.Repr()
        shown.maxlevel = 4
        shown.maxlist = shown.maxtuple = shown.maxdict = shown.maxset = 12
        shown.maxstring = shown.maxother = shown.maxlong = 80
        wrapped = " (or its first item)" if isinstance(expected, list) and expected else ""
        message = "wrong answer: %s(*inputs) returned %s; expected %s%s" % (function_name, shown.repr(output), shown.repr(expected), wrapped)
        sys.stderr.write(message.replace("\\n", " ") + "\\n")
        sys.stderr.flush()
        raise SystemExit(${APPS_WRONG_ANSWER_EXIT_CODE})
`;

/**
 * One APPS call-based test: the check above, then its call with the function's name, the
 * arguments and the expected value, the last two as the record's own JSON text, which the
 * program decodes (`json.loads`, as upstream decoded the whole record): never pasted as code.
 */
export function appsCallTest(functionName: string, argumentsJson: string, expectedJson: string): ProgramTest {
  const call = `_sandbench_apps_call(${pythonStringLiteral(functionName)}, ${pythonStringLiteral(argumentsJson)}, ${pythonStringLiteral(expectedJson)})\n`;
  return { kind: 'program', code: CHECK + call, passWhen: 'exit-zero', wrongAnswerExitCode: APPS_WRONG_ANSWER_EXIT_CODE };
}

/**
 * A Python string literal of `text`: the JSON string `JSON.stringify` writes is one, with the
 * same value (the escapes it writes, `\" \\ \b \f \n \r \t \uXXXX`, mean the same in Python,
 * and it holds no raw control character), with the line and paragraph separators escaped too,
 * so the source holds no character any tool could take for a line break.
 */
function pythonStringLiteral(text: string): string {
  return JSON.stringify(text).replace(/[\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16)}`);
}

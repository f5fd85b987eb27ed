import { describe, expect, it } from 'vitest';
import { choosePrecompiledHeader, leadingIncludes, withPrecompiledHeader } from '../../src/runtimes/choose-precompiled-header.ts';

const SHORT = { folder: '/pch/short', includes: ['stdlib.h', 'algorithm'] };
const LONG = { folder: '/pch/long', includes: ['stdlib.h', 'algorithm', 'math.h', 'vector'] };
const OTHER = { folder: '/pch/other', includes: ['stdlib.h', 'math.h', 'algorithm'] };

// How a HumanEval-X C++ program starts: upstream's helper includes, a blank line, the prompt's
// comment, the prompt's own includes, then the first C++ token.
const HUMANEVAL_X_START =
  '#include<stdlib.h>\n#include<algorithm>\n\n/*\nCheck something.\n>>> f({1, 2})\n*/\n#include<math.h>\n#include<vector>\nusing namespace std;\nint f(vector<int> v){\n';

describe('leadingIncludes', () => {
  it('lists the angle-bracket includes before the first token, through blank lines and comments', () => {
    expect(leadingIncludes(HUMANEVAL_X_START)).toEqual(['stdlib.h', 'algorithm', 'math.h', 'vector']);
    expect(leadingIncludes('// a note\n#  include <iostream>\r\n#include<boost/any.hpp>\nint x;\n#include<map>\n')).toEqual(['iostream', 'boost/any.hpp']);
  });

  it('stops at anything else: a directive, a token, a quoted include, a trailing comment, an include after a comment on its line', () => {
    expect(leadingIncludes('#define NDEBUG\n#include<stdlib.h>\n')).toEqual([]);
    expect(leadingIncludes('#include<stdlib.h>\nint x;\n#include<vector>\n')).toEqual(['stdlib.h']);
    expect(leadingIncludes('#include<stdlib.h>\n#include "local.h"\n#include<vector>\n')).toEqual(['stdlib.h']);
    expect(leadingIncludes('#include<stdlib.h> // the C library\n#include<vector>\n')).toEqual([]);
    expect(leadingIncludes('#include<stdlib.h>\n/* note */ #include<vector>\n')).toEqual(['stdlib.h']);
    expect(leadingIncludes('#include<stdlib.h>\n/* never closed\n#include<vector>\n')).toEqual(['stdlib.h']);
    expect(leadingIncludes('\uFEFF#include<stdlib.h>\n')).toEqual([]);
  });

  it('trusts nothing when a backslash or a trigraph could splice lines before the last include', () => {
    // `// ... \` continues the comment onto the next line: that include is commented out.
    expect(leadingIncludes('// a comment \\\n#include<iostream>\n#include<vector>\n')).toEqual([]);
    // `??/` is a backslash under -std=c++11.
    expect(leadingIncludes('// a comment ??/\n#include<iostream>\n')).toEqual([]);
    // A backslash after the last include changes nothing before it.
    expect(leadingIncludes('#include<vector>\nconst char *s = "\\n";\n')).toEqual(['vector']);
  });
});

describe('choosePrecompiledHeader', () => {
  it('takes the longest header whose includes the program starts with, in the same order', () => {
    expect(choosePrecompiledHeader(HUMANEVAL_X_START, [SHORT, LONG, OTHER])).toBe(LONG);
    expect(choosePrecompiledHeader('#include<stdlib.h>\n#include<algorithm>\n#include<string>\nint x;\n', [SHORT, LONG, OTHER])).toBe(SHORT);
  });

  it('takes none when the program includes fewer headers, the same ones in another order, or none', () => {
    // A header it does not include would declare names the program never asked for.
    expect(choosePrecompiledHeader('#include<stdlib.h>\nint main(){}\n', [SHORT, LONG])).toBeUndefined();
    expect(choosePrecompiledHeader('#include<algorithm>\n#include<stdlib.h>\n#include<math.h>\n#include<vector>\n', [SHORT, LONG])).toBeUndefined();
    expect(choosePrecompiledHeader('int main(){}\n', [SHORT, LONG])).toBeUndefined();
    expect(choosePrecompiledHeader(HUMANEVAL_X_START, [])).toBeUndefined();
  });
});

describe('withPrecompiledHeader', () => {
  const command = ['/usr/bin/g++', '-std=c++11', 'test.cpp'];

  it('adds -I <folder> after the compiler when a header fits, and leaves the command alone otherwise', () => {
    expect(withPrecompiledHeader(command, HUMANEVAL_X_START, [SHORT, LONG])).toEqual(['/usr/bin/g++', '-I', '/pch/long', '-std=c++11', 'test.cpp']);
    expect(withPrecompiledHeader(command, 'int main(){}\n', [SHORT, LONG])).toEqual(command);
    expect(withPrecompiledHeader(command, HUMANEVAL_X_START, undefined)).toEqual(command);
  });
});

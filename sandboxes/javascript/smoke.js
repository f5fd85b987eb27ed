// Runs unchanged in an isolate (no require, no process) and under node in a container.
const squares = [1, 2, 3].map((value) => value * value);
console.log(JSON.stringify(squares) === '[1,4,9]' ? 'OK' : 'FAIL');

// Type annotations, an interface and a generic: only runs once the host has transpiled it.
interface Pair<T> {
  left: T;
  right: T;
}

function sum(pair: Pair<number>): number {
  return pair.left + pair.right;
}

const total: number = sum({ left: 2, right: 3 });
console.log(total === 5 ? 'OK' : 'FAIL');

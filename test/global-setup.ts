// Runs once around the whole test suite. The Docker backend adds its container sweep here.
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}

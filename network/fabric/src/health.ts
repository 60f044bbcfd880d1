// Fabric's operations endpoint answers GET /healthz with 200 once the node is up (checks pass).
export async function operationsHealthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

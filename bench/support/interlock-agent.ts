/**
 * The edge-agent CLI, unchanged, as the entry of its own bench bundle (bench/.build/interlock-agent.mjs):
 * bench/interlock.ts runs `node interlock-agent.mjs run --config FILE` as a gateway runs the bundled agent,
 * without touching edge-agent/dist (which bin/edge-agent.js would skip for the sources when it is stale).
 */
import '../../edge-agent/src/cli/main.ts'

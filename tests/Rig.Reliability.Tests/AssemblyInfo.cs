using Xunit;

// Each test runs real processes at real time (virtual rigs, bridges, Mosquitto) and some load the machine on purpose
// (20 rigs, a speed-0 session): one at a time, so one test's load does not become another's fault.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

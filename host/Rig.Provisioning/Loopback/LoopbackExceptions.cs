using System;

namespace Rig.Provisioning.Loopback;

/// <summary>A bad loopback input (scenario, pulse count, thresholds file): nothing was sent to the device.</summary>
public sealed class LoopbackInputException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The device refused the pulse train (its answer says why).</summary>
public sealed class LoopbackRefusedException(string message) : Exception(message);

using System;

namespace Rig.Recording.Link;

/// <summary>A security input (a broker login, a CA file, a broker-config option) that cannot be used; <see cref="Input"/> names the option or file.</summary>
public sealed class SecurityConfigException(string source, string message) : Exception(message)
{
    public string Input { get; } = source;
}

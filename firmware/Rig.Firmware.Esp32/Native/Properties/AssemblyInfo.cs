using System.Reflection;

// The interop assembly's identity as the nanoCLR checks it when the application is deployed: the native half
// (firmware/native, compiled into the custom nanoCLR) must be built from stubs generated with this same native version.
// Change it whenever a signature in NativeCapture.cs changes, and regenerate the stubs (docs/firmware.md).
[assembly: AssemblyVersion("1.0.0.0")]
[assembly: AssemblyNativeVersion("1.0.0.0")]

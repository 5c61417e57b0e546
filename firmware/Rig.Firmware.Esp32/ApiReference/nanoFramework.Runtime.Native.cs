// Reference declaration, compile check only (README.md in this folder). nanoFramework.Runtime.Native 1.7.11: the free
// managed heap at boot, which decides the buffer size (Program.ChooseBuffers). Source:
// github.com/nanoframework/nanoFramework.Runtime.Native, nanoFramework.Runtime.Native/GC.cs
// ("public static extern uint Run(bool compactHeap)": the free memory in bytes after a collection).
#nullable disable

namespace nanoFramework.Runtime.Native
{
    using System;

    public static class GC
    {
        public static uint Run(bool compactHeap) { throw new NotImplementedException(); }
    }
}

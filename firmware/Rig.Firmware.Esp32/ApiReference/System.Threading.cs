// Reference declaration, compile check only (README.md in this folder). nanoFramework.System.Threading: the timeout token
// WifiNetworkHelper.Reconnect takes. Sources: github.com/nanoframework/System.Threading,
// nanoFramework.System.Threading/Threading/CancellationTokenSource.cs (ctor(int millisecondsDelay), Token, Dispose)
// and CancellationToken.cs.
#nullable disable

namespace System.Threading
{
    using System;

    public class CancellationTokenSource : IDisposable
    {
        public CancellationTokenSource(int millisecondsDelay) { throw new NotImplementedException(); }

        public CancellationToken Token
        {
            get { throw new NotImplementedException(); }
        }

        public void Dispose() { throw new NotImplementedException(); }
    }

    public readonly struct CancellationToken
    {
    }
}

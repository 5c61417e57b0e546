// Reference declaration, compile check only (README.md in this folder). nanoFramework.System.Device.Wifi: waiting for the
// Wi-Fi association from the stored wireless configuration. Source: github.com/nanoframework/System.Device.Wifi,
// System.Device.Wifi/NetworkHelper/WifiNetworkHelper.cs (namespace nanoFramework.Networking,
// Reconnect(bool requiresDateTime = false, int wifiAdapterId = 0, CancellationToken token = default)).
#nullable disable

namespace nanoFramework.Networking
{
    using System;
    using System.Threading;

    public static class WifiNetworkHelper
    {
        public static bool Reconnect(bool requiresDateTime = false, int wifiAdapterId = 0, CancellationToken token = default) { throw new NotImplementedException(); }
    }
}

using System;
using Rig.Recording.Link;
using Xunit;

namespace Rig.Host.Tests.Link;

public sealed class BrokerAddressTests
{
    [Theory]
    [InlineData("mqtt://localhost", "mqtt", "localhost", 1883, false, "mqtt://localhost:1883")]
    [InlineData("mqtts://broker.lab", "mqtts", "broker.lab", 8883, true, "mqtts://broker.lab:8883")]
    [InlineData("mqtt://127.0.0.1:1884", "mqtt", "127.0.0.1", 1884, false, "mqtt://127.0.0.1:1884")]
    [InlineData("mqtts://10.0.0.5:443", "mqtts", "10.0.0.5", 443, true, "mqtts://10.0.0.5:443")]
    [InlineData("MQTT://Rig-Host.Example:1", "mqtt", "rig-host.example", 1, false, "mqtt://rig-host.example:1")]
    [InlineData("mqtt://[::1]", "mqtt", "::1", 1883, false, "mqtt://[::1]:1883")]
    [InlineData("mqtt://[0:0::1]:65535", "mqtt", "::1", 65535, false, "mqtt://[::1]:65535")]
    [InlineData("mqtt://broker/", "mqtt", "broker", 1883, false, "mqtt://broker:1883")]
    [InlineData("  mqtt://broker:1883  ", "mqtt", "broker", 1883, false, "mqtt://broker:1883")]
    public void Parse_accepts_mqtt_and_mqtts_urls_with_or_without_a_port(string url, string scheme, string host, int port, bool useTls, string canonical)
    {
        var address = BrokerAddress.Parse(url);

        Assert.Equal(scheme, address.Scheme);
        Assert.Equal(host, address.Host);
        Assert.Equal(port, address.Port);
        Assert.Equal(useTls, address.UseTls);
        Assert.Equal(canonical, address.ToString());
        Assert.Equal(address, BrokerAddress.Parse(address.ToString()));
    }

    [Theory]
    [InlineData("", "the broker URL is empty: expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")]
    [InlineData("   ", "the broker URL is empty: expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")]
    [InlineData("localhost:1883", "the broker URL 'localhost:1883' has no scheme: expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")]
    [InlineData("http://broker:1883", "the broker URL 'http://broker:1883' has the unsupported scheme 'http': expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")]
    [InlineData("ws://broker", "the broker URL 'ws://broker' has the unsupported scheme 'ws': expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")]
    [InlineData("://broker", "the broker URL '://broker' has an empty scheme: expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")]
    [InlineData("mqtt://", "the broker URL 'mqtt://' has an empty host: expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")]
    [InlineData("mqtt://:1883", "the broker URL 'mqtt://:1883' has an empty host: expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")]
    [InlineData("mqtt://broker:abc", "the broker URL 'mqtt://broker:abc' has the port 'abc', which is not a number: expected a port from 1 to 65535")]
    [InlineData("mqtt://broker:", "the broker URL 'mqtt://broker:' has the port '', which is not a number: expected a port from 1 to 65535")]
    [InlineData("mqtt://broker:-1", "the broker URL 'mqtt://broker:-1' has the port '-1', which is not a number: expected a port from 1 to 65535")]
    [InlineData("mqtt://broker:0", "the broker URL 'mqtt://broker:0' has the port 0, which is outside 1-65535")]
    [InlineData("mqtt://broker:65536", "the broker URL 'mqtt://broker:65536' has the port 65536, which is outside 1-65535")]
    [InlineData("mqtt://broker:99999999999", "the broker URL 'mqtt://broker:99999999999' has the port 99999999999, which is outside 1-65535")]
    [InlineData("mqtt://broker/rig", "the broker URL 'mqtt://broker/rig' has a path ('/rig'), which a broker address cannot use: expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")]
    [InlineData("mqtt://broker:1883?qos=1", "the broker URL 'mqtt://broker:1883?qos=1' has a query ('?qos=1'), which a broker address cannot use: expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")]
    [InlineData("mqtt://broker#x", "the broker URL 'mqtt://broker#x' has a fragment ('#x'), which a broker address cannot use: expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")]
    [InlineData("mqtt://user:secret@broker", "the broker URL 'mqtt://user:secret@broker' contains user info (the part before '@'); credentials do not belong in the URL: expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")]
    [InlineData("mqtt://bro ker", "the broker URL 'mqtt://bro ker' has the host 'bro ker', which is not a valid host name or IP address: expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")]
    [InlineData("mqtt://::1:1883", "the broker URL 'mqtt://::1:1883' has more than one ':' in '::1:1883'; write an IPv6 address in brackets, e.g. mqtt://[::1]:1883")]
    [InlineData("mqtt://[::1:1883", "the broker URL 'mqtt://[::1:1883' opens an IPv6 address with '[' but never closes it with ']': expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]")]
    public void Parse_rejects_a_malformed_url_with_a_message_naming_the_problem(string url, string message)
    {
        var error = Assert.Throws<BrokerUrlException>(() => BrokerAddress.Parse(url));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void A_BrokerUrlException_is_a_FormatException_so_generic_parse_handlers_catch_it()
    {
        Assert.IsAssignableFrom<FormatException>(Assert.Throws<BrokerUrlException>(() => BrokerAddress.Parse("nope")));
    }
}

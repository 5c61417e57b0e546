using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Tasks;
using Rig.Recording.Link;
using Xunit;

namespace Rig.Renderer.Tests;

public sealed class RendererServerTests
{
    private static readonly Uri Ws = new("ws://127.0.0.1:9001/mqtt");

    [Fact]
    public async Task Config_json_tells_the_page_its_rig_broker_login_screens_and_photodiode_patch()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await RendererServer.StartAsync(new RendererOptions
        {
            RigId = "rig7",
            MqttWebSocketUrl = Ws,
            Port = 0,
            Credentials = new MqttCredentials("renderer", "s3cret"),
            FieldOfViewDegrees = 80,
            Screens = 3,
            PhotodiodeCorner = PhotodiodeCorner.TopLeft,
            PhotodiodeSizePixels = 40,
        }, ct);
        using var http = new HttpClient { BaseAddress = server.Url };

        var config = JsonDocument.Parse(await http.GetStringAsync(new Uri("config.json", UriKind.Relative), ct)).RootElement;

        Assert.Equal("rig7", config.GetProperty("rig").GetString());
        Assert.Equal("ws://127.0.0.1:9001/mqtt", config.GetProperty("mqtt").GetProperty("url").GetString());
        Assert.Equal("renderer", config.GetProperty("mqtt").GetProperty("username").GetString());
        Assert.Equal("s3cret", config.GetProperty("mqtt").GetProperty("password").GetString());
        Assert.Equal("vr/v1/rig7/frame", config.GetProperty("topics").GetProperty("frame").GetString());
        Assert.Equal("vr/v1/rig7/clock/ping", config.GetProperty("topics").GetProperty("ping").GetString());
        Assert.Equal(80, config.GetProperty("fov_deg").GetDouble());
        Assert.Equal(3, config.GetProperty("screens").GetInt32());
        Assert.Equal("top-left", config.GetProperty("photodiode").GetProperty("corner").GetString());
        Assert.Equal(40, config.GetProperty("photodiode").GetProperty("size_px").GetInt32());
    }

    [Fact]
    public async Task The_page_and_its_pinned_libraries_are_served_by_the_rig_process_itself()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await RendererServer.StartAsync(new RendererOptions { RigId = "r1", MqttWebSocketUrl = Ws, Port = 0 }, ct);
        using var http = new HttpClient { BaseAddress = server.Url };

        var index = await http.GetAsync(new Uri("/", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Contains("main.js", await index.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal("same-origin", Assert.Single(index.Headers.GetValues("Cross-Origin-Opener-Policy")));

        foreach (var (file, marker) in new[]
        {
            ("vendor/three.module.js", "WebGLRenderer"), ("vendor/three.core.js", "REVISION = '187'"), ("vendor/mqtt.esm.js", "export default"),
            ("worker.js", "requestAnimationFrame"), ("textures.js", "grating2"),
        })
        {
            var response = await http.GetAsync(new Uri(file, UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(marker, await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        var missing = await http.GetAsync(new Uri("nothing.js", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("nothing.js", await missing.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_options_are_refused_naming_every_problem()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => RendererServer.StartAsync(new RendererOptions
        {
            RigId = "a/b",
            MqttWebSocketUrl = new Uri("http://127.0.0.1:9001/mqtt"),
            Port = 70000,
            FieldOfViewDegrees = 0,
            Screens = 4,
            PhotodiodeSizePixels = 1,
        }, TestContext.Current.CancellationToken));

        foreach (var name in new[] { "RigId 'a/b'", "MqttWebSocketUrl", "Port 70000", "FieldOfViewDegrees 0", "Screens 4", "PhotodiodeSizePixels 1" })
        {
            Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_page_is_served_on_a_network_address_only_when_insecure_is_asked_for()
    {
        var ct = TestContext.Current.CancellationToken;
        var onNetwork = new RendererOptions { RigId = "r1", MqttWebSocketUrl = Ws, Port = 0, BindAddress = IPAddress.Any };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => RendererServer.StartAsync(onNetwork, ct));
        Assert.Contains("BindAddress 0.0.0.0 is not loopback", ex.Message, StringComparison.Ordinal);

        await using var server = await RendererServer.StartAsync(onNetwork with { Insecure = true }, ct);
        Assert.NotNull(server.Url);
    }

    [Fact]
    public async Task A_port_in_use_is_refused_naming_the_port()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var ex = await Assert.ThrowsAsync<IOException>(() => RendererServer.StartAsync(
            new RendererOptions { RigId = "r1", MqttWebSocketUrl = Ws, Port = port }, TestContext.Current.CancellationToken));

        Assert.Contains($"port {port}", ex.Message, StringComparison.Ordinal);
    }
}

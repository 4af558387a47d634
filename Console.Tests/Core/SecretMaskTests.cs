using System.Text;
using System.Text.Json.Nodes;
using Console.Contracts.Deployments;
using Console.Contracts.Security;
using Console.Core.Secrets;
using Console.Worker.Infrastructure;

namespace Console.Tests.Core;

/// <summary>The pieces of secret handling that need no server: finding references, substituting, masking, registry auth.</summary>
public sealed class SecretMaskTests
{
    [Fact]
    public void References_are_found_in_strings_registry_credentials_and_pull_steps()
    {
        var variables = new JsonObject
        {
            ["env"] = new JsonObject { ["A"] = "x {{ secret.one }} y {{secret.two}}" },
            ["registry_credentials"] = "reg",
        };
        Assert.Equal(["reg", "one", "two"], SecretReferences.InJobVariables(variables));
        Assert.Equal(["git", "three"], SecretReferences.InPullSteps([
            new PullStepDto { GitClone = new GitCloneStep { Repository = "https://example/{{ secret.three }}", CredentialsSecret = "git" } },
        ]));
    }

    [Fact]
    public void Substitution_fills_values_and_a_missing_one_is_an_error_naming_it()
    {
        var config = new JsonObject { ["env"] = new JsonObject { ["A"] = "{{ secret.one }}" }, ["registry_credentials"] = "reg" };
        var done = SecretReferences.Substitute(config, new Dictionary<string, string> { ["one"] = "1", ["reg"] = "{\"username\":\"u\",\"password\":\"p\"}" });
        Assert.Equal("1", done["env"]!["A"]!.GetValue<string>());
        Assert.Equal("{\"username\":\"u\",\"password\":\"p\"}", done["registry_credentials"]!.GetValue<string>());
        var error = Assert.Throws<SecretUnavailableException>(() => SecretReferences.Substitute(config, new Dictionary<string, string> { ["reg"] = "x" }));
        Assert.Equal("one", error.SecretName);
    }

    [Fact]
    public void Masking_covers_whole_values_pieces_on_consecutive_lines_multi_line_values_and_json_members()
    {
        var mask = new SecretMask(["hunter2-secret", "line-one\nline-two", "{\"username\":\"robot\",\"password\":\"p4ssw0rd!\"}"]);
        Assert.Equal(["a **** b", "x ****", "**** y", "****", "****", "user **** pw ****"],
            mask.Apply(["a hunter2-secret b", "x hunter2", "-secret y", "line-one", "line-two", "user robot pw p4ssw0rd!"]));
        Assert.Equal("nothing here", mask.Apply("nothing here"));

        var dockerConfig = new SecretMask([$"{{\"auths\":{{\"reg:5000\":{{\"auth\":\"{Convert.ToBase64String(Encoding.UTF8.GetBytes("bot:s3cret-pw"))}\"}}}}}}"]);
        Assert.Equal("login with ****", dockerConfig.Apply("login with s3cret-pw"));
    }

    [Fact]
    public void Registry_auth_reads_username_password_auth_and_docker_configs()
    {
        static JsonObject Config(string value) => new() { ["registry_credentials"] = value };
        var plain = RegistryAuth.From(Config("{\"username\":\"u\",\"password\":\"p\"}"), "127.0.0.1:5001/team/app:1")!;
        Assert.Equal(("u", "p", "127.0.0.1:5001"), (plain.Username, plain.Password, plain.ServerAddress));
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("v:w:x"));
        var docker = RegistryAuth.From(Config($"{{\"auths\":{{\"other:1\":{{\"auth\":\"AAAA\"}},\"127.0.0.1:5001\":{{\"auth\":\"{auth}\"}}}}}}"), "127.0.0.1:5001/app")!;
        Assert.Equal(("v", "w:x"), (docker.Username, docker.Password));
        Assert.Null(RegistryAuth.From([], "busybox"));
        var bad = Assert.Throws<InfrastructureException>(() => RegistryAuth.From(Config("not json secret-value"), "busybox"));
        Assert.DoesNotContain("secret-value", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_auth_never_sends_another_registrys_login_even_when_it_is_the_only_entry()
    {
        static JsonObject Config(string value) => new() { ["registry_credentials"] = value };
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("u:p"));
        string Only(string key) => $"{{\"auths\":{{\"{key}\":{{\"auth\":\"{auth}\"}}}}}}";

        // The only entry is another registry's: refused, naming the image's registry, never the value.
        var other = Assert.Throws<InfrastructureException>(() => RegistryAuth.From(Config(Only("registry.example.org")), "127.0.0.1:5001/app:1"));
        Assert.Contains("127.0.0.1:5001", other.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(auth, other.Message, StringComparison.Ordinal);
        Assert.Throws<InfrastructureException>(() => RegistryAuth.From(Config(Only("registry.example.org")), "busybox"));
        Assert.Throws<InfrastructureException>(() => RegistryAuth.From(Config(Only("https://index.docker.io/v1/")), "ghcr.io/team/app"));
        Assert.Throws<InfrastructureException>(() => RegistryAuth.From(Config(Only("127.0.0.1:5002")), "127.0.0.1:5001/app"));

        // The same registry however the key is written: Docker Hub's aliases, a scheme and path, another case.
        foreach (var (key, image) in new[]
        {
            ("https://index.docker.io/v1/", "busybox"), ("docker.io", "library/busybox:1"), ("registry-1.docker.io", "docker.io/team/app"),
            ("index.docker.io", "index.docker.io/team/app"), ("HTTPS://Registry.Example.ORG:5000/v2/", "registry.example.org:5000/app"),
        })
        {
            var found = RegistryAuth.From(Config(Only(key)), image);
            Assert.True(found is { Username: "u", Password: "p" }, $"{key} for {image}");
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace Lifeboat.Server.Tests;

/// <summary>The environment's policy over HTTP: held by Lifeboat, changed by two people, never chosen by a setting.</summary>
public sealed class PolicyApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task APolicyProposedByOnePerson_ComesIntoForceOnlyWhenAnotherApprovesItsHash()
    {
        using var alice = fixture.ClientAs("alice");
        using var sameAlice = fixture.ClientAs("Alice");
        using var bob = fixture.ClientAs("bob");
        var before = await Client.GetJsonAsync("/api/policy");

        var response = await alice.PostAsync("/api/policy/proposals?reason=bigger%20canaries", new StringContent("waves:\n  canary-percent: 10\n", Encoding.UTF8, "text/yaml"));
        var proposed = await response.ShouldBeJsonAsync(HttpStatusCode.Created);
        var version = proposed["version"]!.GetValue<int>();
        response.Headers.Location!.ToString().ShouldBe($"/api/policy/versions/{version}");
        proposed.Str("state").ShouldBe("Proposed");
        proposed.Str("reason").ShouldBe("bigger canaries");
        (await Client.GetJsonAsync("/api/policy"))["version"]!.GetValue<int>().ShouldBe(before["version"]!.GetValue<int>(), "a proposal changes nothing by itself");

        (await (await sameAlice.PostAsJsonAsync($"/api/policy/proposals/{version}/approve", new { contentHash = proposed.Str("contentHash") })).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .Detail.ShouldStartWith("alice ", Case.Sensitive, "'Alice' signs in as the account alice: logins are unique as principals");
        (await (await bob.PostAsJsonAsync($"/api/policy/proposals/{version}/approve", new { contentHash = new string('0', 64) })).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .Detail.ShouldContain("the policy is not what was reviewed");
        var approved = await (await bob.PostAsJsonAsync($"/api/policy/proposals/{version}/approve", new { contentHash = proposed.Str("contentHash") })).ShouldBeJsonAsync();

        approved.Str("state").ShouldBe("InForce");
        var current = await Client.GetJsonAsync("/api/policy");
        current["version"]!.GetValue<int>().ShouldBe(version);
        current.Str("approvedBy").ShouldBe("bob");
        current["policy"]!["waves"]!["canaryPercent"]!.GetValue<double>().ShouldBe(10);
        (await Client.GetJsonAsync("/api/policy/versions")).AsArray().Select(v => v!["version"]!.GetValue<int>()).ShouldContain(0);
        (await Client.GetJsonAsync($"/api/policy/versions/{version}")).Str("yaml").ShouldBe("waves:\n  canary-percent: 10\n");
        (await Client.GetJsonAsync("/api/audit?subject=policy")).AsArray().Select(a => a.Str("step"))
            .ShouldBe(["policy-proposed", "policy-approval-refused", "policy-approved"]);
    }

    [Fact]
    public async Task AnInvalidProposal_Is400NamingTheLine_AndAnUnknownVersion404()
    {
        var invalid = await Client.PostAsJsonAsync("/api/policy/proposals", new { yaml = "waves:\n  canary-percent: 10\nbulk-limitz: 3\n" });
        var unknown = await Client.PostAsJsonAsync("/api/policy/proposals/999/approve", new { contentHash = new string('0', 64) });

        (await invalid.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldStartWith("policy in the request body, line 3:");
        (await unknown.ShouldBeProblemAsync(HttpStatusCode.NotFound)).Detail.ShouldBe("policy version 999 does not exist; lifeboat policy history lists the versions.");
    }

    [Fact]
    public async Task OpenApiDocument_ListsThePolicyPaths()
    {
        var paths = (await Client.GetJsonAsync("/openapi/v1.json"))["paths"]!.AsObject().Select(p => p.Key).ToList();

        foreach (var path in new[] { "/api/policy", "/api/policy/versions", "/api/policy/versions/{version}", "/api/policy/proposals", "/api/policy/proposals/{version}/approve" })
        {
            paths.ShouldContain(path);
        }
    }

    [Fact]
    public async Task APolicyFileNamedInTheServersConfiguration_StopsItsStart_SayingHowToProposeIt()
    {
        await using var configured = fixture.WithWebHostBuilder(b => b.UseSetting("Lifeboat:Policy", "/etc/lifeboat/loose.yaml"));

        var e = Should.Throw<InvalidOperationException>(() => configured.CreateClient());

        e.Message.ShouldStartWith("the setting Lifeboat:Policy (/etc/lifeboat/loose.yaml) no longer chooses the policy");
        e.Message.ShouldContain("lifeboat policy propose /etc/lifeboat/loose.yaml");
        e.Message.ShouldContain("POST it to /api/policy/proposals");
    }
}

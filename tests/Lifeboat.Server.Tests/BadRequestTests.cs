using System.Net;
using System.Text;

namespace Lifeboat.Server.Tests;

/// <summary>Requests the framework cannot bind are answered in Lifeboat's words: which parameter, what was expected; never the framework's.</summary>
public sealed class BadRequestTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Plan = "plan_01jd8x2k9q4m7t6v5w3y1z0a8b";

    /// <summary>Phrases of ASP.NET Core, System.Text.Json and .NET that a client must never be shown.</summary>
    private static readonly string[] FrameworkPhrases =
    [
        "Implicit body inferred", "Did you mean", "Failed to bind parameter", "Required parameter", "was not provided from", "Nullable<",
        "System.", "Lifeboat.Server", "Path: $", "LineNumber", "BytePositionInLine", "JSON deserialization for type", "doesn't allow null",
        "nullability annotation", "could not be converted", "Expected depth", "Expected a supported JSON media type",
    ];

    public static TheoryData<string, string, string?, string?, string> BadRequests => new()
    {
        { "POST", $"/api/plans/{Plan}/approve", null, null, $"POST /api/plans/{Plan}/approve needs a JSON body (Content-Type: application/json), an object with: contentHash (text); none was sent." },
        { "GET", "/api/audit?max=abc", null, null, "the query parameter 'max' is 'abc', which is not a whole number." },
        { "GET", "/api/plans?state=Sleeping", null, null, "the query parameter 'state' is 'Sleeping', which is not one of Verified, Running, Paused, Halted, Completed, Aborted, RolledBack." },
        { "POST", "/api/plans?dropUnresolved=maybe", "application/json", "{}", "the query parameter 'dropUnresolved' is 'maybe', which is not true or false." },
        { "POST", "/api/policy/proposals/abc/approve", "application/json", "{\"contentHash\": \"x\"}", "the path's {version} is 'abc', which is not a whole number." },
        { "GET", "/api/store/tenants/nobody-here/restore-preview", null, null, "the query parameter 'to' is required: give it as text. The OpenAPI document at /openapi/v1.json describes it." },
        { "POST", $"/api/plans/{Plan}/approve", "application/json", "{\"contentHash\": 5}", "the request body's 'contentHash' must be text." },
        { "POST", $"/api/plans/{Plan}/approve", "application/json", "{\"contentHash\": null}", "the request body's 'contentHash' is null; it must be text." },
        { "POST", $"/api/plans/{Plan}/approve", "application/json", "{}", "the request body lacks 'contentHash'; it is an object with: contentHash (text)." },
        { "POST", $"/api/plans/{Plan}/approve", "application/json", "{\"contentHash\": ", "the request body is not valid JSON (line 1, position 17): check its quotes, commas and brackets." },
        { "POST", "/api/sites", "application/json", "{\"name\": \"a\", \"region\": \"eu-west\", \"internal\": \"yes\"}", "the request body's 'internal' must be true or false." },
        { "POST", "/api/sites", "application/json", "[]", "the request body must be a JSON object with: name (text), region (text), internal (optional: true or false)." },
        { "POST", "/api/plans", "application/json", "{\"action\": \"delete-site\", \"target\": \"site\", \"targets\": \"x\", \"reason\": \"r\"}", "the request body's 'targets' must be a list of text." },
        { "POST", "/api/plans", "application/json", "{\"action\": \"delete-site\"}", "the request body lacks 'target', 'targets', 'reason'; it is an object with: action (text), target (text), targets (a list of text), reason (text), parameters (optional: an object whose values are text), override (optional: text), incident (optional: text)." },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task ABadRequest_Is400NamingWhatWasWrongAndWhatWasExpected_InLifeboatsWords(string method, string path, string? type, string? body, string detail)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, type!);
        }

        var response = await fixture.Client.SendAsync(request);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.Detail.ShouldBe(detail);
        foreach (var phrase in FrameworkPhrases)
        {
            problem.Detail.ShouldNotContain(phrase, Case.Sensitive);
        }
    }

    [Theory]
    [InlineData("/api/audit?max=-1", "the query parameter 'max' is -1; it must be from 1 to 1000 (how many entries to list; 100 when not given).")]
    [InlineData("/api/audit?max=0", "the query parameter 'max' is 0; it must be from 1 to 1000 (how many entries to list; 100 when not given).")]
    [InlineData("/api/audit?max=1001", "the query parameter 'max' is 1001; it must be from 1 to 1000 (how many entries to list; 100 when not given).")]
    [InlineData("/api/events/anyone?max=-1", "the query parameter 'max' is -1; it must be from 1 to 1000 (how many events to return; 100 when not given).")]
    public async Task AMaxOutOfRange_Is400SayingTheRange(string path, string detail)
    {
        (await (await fixture.Client.GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldBe(detail);
    }

    [Fact]
    public async Task ConsumingWithAMaxOutOfRange_Is400_AndHandsOverNothing()
    {
        var consumer = $"c-{Guid.NewGuid():n}";
        await fixture.NewSiteAsync();

        var refused = await fixture.Client.PostAsync($"/api/events/{consumer}/consume?max=0", null);

        (await refused.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Detail.ShouldContain("it must be from 1 to 1000");
        (await fixture.Client.GetJsonAsync($"/api/events/{consumer}?max=1000")).AsArray().ShouldNotBeEmpty("the cursor did not move");
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;

namespace Lifeboat.Server.Tests;

/// <summary>What a client checks of a response.</summary>
internal static class Http
{
    /// <summary>The response is a problem (application/problem+json) with this status, a title and a detail.</summary>
    public static async Task<Problem> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var problem = (await response.Content.ReadFromJsonAsync<ProblemDetails>())!;
        problem.Status.ShouldBe((int)status);
        problem.Title.ShouldNotBeNullOrWhiteSpace();
        problem.Detail.ShouldNotBeNullOrWhiteSpace();
        return new Problem(problem.Title!, problem.Detail!, problem.Extensions);
    }

    public static async Task<JsonNode> ShouldBeJsonAsync(this HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        return JsonNode.Parse(body)!;
    }

    public static async Task<JsonNode> GetJsonAsync(this HttpClient client, string path) =>
        await (await client.GetAsync(path)).ShouldBeJsonAsync();

    public static string Str(this JsonNode? node, string property) => node![property]!.GetValue<string>();

    public static IEnumerable<string> Ids(this JsonNode array) => array.AsArray().Select(n => n.Str("id"));
}

internal sealed record Problem(string Title, string Detail, IDictionary<string, object?> Extensions);

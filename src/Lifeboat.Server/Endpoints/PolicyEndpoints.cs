using System.Text;
using System.Text.Json;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Plans;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Lifeboat.Server.Endpoints;

/// <summary>
/// The environment's policy, as with lifeboat policy: the version in force, its history, proposals
/// and their approval by a second person. Every step is in the audit log (subject "policy").
/// </summary>
public static class PolicyEndpoints
{
    private static readonly string[] PolicyFileTypes = ["text/yaml", "application/x-yaml", "application/yaml"];

    public static IEndpointRouteBuilder MapPolicyEndpoints(this IEndpointRouteBuilder app)
    {
        var policy = app.MapArea("/api/policy", "Policy");
        policy.MapGet("/", Current).WithName("GetPolicy").RequirePermission(Permissions.PolicyRead)
            .WithSummary("The policy in force: its version (0: the built-in defaults), YAML, content hash, rules and who approved it");
        policy.MapGet("/versions", History).WithName("ListPolicyVersions").RequirePermission(Permissions.PolicyRead)
            .WithSummary("Every version of the policy, newest first, with its state (Proposed, InForce, Superseded, Stale)");
        policy.MapGet("/versions/{version}", Version).WithName("GetPolicyVersion").RequirePermission(Permissions.PolicyRead).WithSummary("One version of the policy, as proposed");
        policy.MapPost("/proposals", Propose).WithName("ProposePolicy").RequirePermission(Permissions.PolicyPropose).WithBodyLimit(RequestLimits.UploadBodyLimit)
            .WithSummary("Propose a new version of the policy; it is in force only once another person approves it")
            .WithDescription("""
                The body is the policy file (text/yaml, application/x-yaml or application/yaml; reason in the query), or JSON
                {yaml, reason}. An invalid policy is a 400 naming the line and what is wrong; a policy identical to the one in
                force is a 409. 201 with the proposed version and its content hash, which its approver names.
                """)
            .Accepts<PolicyProposal>("application/json", PolicyFileTypes)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        policy.MapPost("/proposals/{version}/approve", Approve).WithName("ApprovePolicy").RequirePermission(Permissions.PolicyApprove)
            .WithSummary("Approve a version someone else proposed, by the content hash you reviewed: it is in force at once")
            .WithDescription("""
                409 if you proposed it (names that differ only in case, surrounding spaces or Unicode form are one person), if
                contentHash is not its hash, if it was approved already, or if another version came into force after it was
                proposed (its author proposes it again on top of that one).
                """);
        return app;
    }

    public static async Task<Ok<PolicyInForce>> Current(LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Policy.ReadAsync(cancellationToken));

    public static async Task<Ok<IReadOnlyList<PolicyVersion>>> History(LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Policy.HistoryAsync(cancellationToken));

    public static async Task<Ok<PolicyVersion>> Version(int version, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Policy.GetAsync(version, cancellationToken));

    public static async Task<Created<PolicyVersion>> Propose(HttpRequest request, LifeboatPlatform platform, CancellationToken cancellationToken, string? reason = null)
    {
        var proposal = await ReadProposalAsync(request, reason, cancellationToken);
        var proposed = await platform.Policy.ProposeAsync(proposal.Yaml, "in the request body", proposal.Reason, cancellationToken);
        return TypedResults.Created($"/api/policy/versions/{proposed.Version}", proposed);
    }

    public static async Task<Ok<PolicyVersion>> Approve(int version, ApproveRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Policy.ApproveAsync(version, request.ContentHash, cancellationToken));

    private static async Task<PolicyProposal> ReadProposalAsync(HttpRequest request, string? reason, CancellationToken cancellationToken)
    {
        if (request.HasJsonContentType())
        {
            PolicyProposal? body;
            try
            {
                body = await request.ReadFromJsonAsync<PolicyProposal>(cancellationToken);
            }
            catch (JsonException e)
            {
                throw new BadHttpRequestException("the request body is not valid", e);
            }

            return body ?? throw new PlatformException(PlatformErrorKind.Invalid, "the request body is empty; send {\"yaml\": \"…\", \"reason\": \"…\"}.");
        }

        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && PolicyFileTypes.Contains(type.MediaType.Value, StringComparer.OrdinalIgnoreCase))
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            return new PolicyProposal(await reader.ReadToEndAsync(cancellationToken), reason);
        }

        throw new UnsupportedBodyException(
            "Send the policy as a policy file (Content-Type: text/yaml, application/x-yaml or application/yaml) or as JSON {\"yaml\": \"…\", \"reason\": \"…\"}.");
    }
}

/// <summary>A proposed policy: its YAML, and why it should change.</summary>
public sealed record PolicyProposal(string Yaml, string? Reason = null);

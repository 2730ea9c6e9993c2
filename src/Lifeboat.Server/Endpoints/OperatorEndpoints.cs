using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>Operator accounts, every token, and emergency access: the admin's side of who acts.</summary>
public static class OperatorEndpoints
{
    public static IEndpointRouteBuilder MapOperatorEndpoints(this IEndpointRouteBuilder app)
    {
        var operators = app.MapArea("/api/operators", "Operators");
        operators.MapGet("/", List).WithName("ListOperators").WithSummary($"Operator accounts in creation order (limit 1 to {Operators.MaxList})")
            .RequirePermission(Permissions.OperatorsManage);
        operators.MapPost("/", Create).WithName("CreateOperator")
            .WithSummary("Create an operator account: login, displayName, roles, and a password (local) or an externalSubject (oidc, os)")
            .RequirePermission(Permissions.OperatorsManage);
        operators.MapGet("/{operator}", Get).WithName("GetOperator").WithSummary("One operator account")
            .RequirePermission(Permissions.OperatorsManage);
        operators.MapPut("/{operator}/password", SetPassword).WithName("SetOperatorPassword").WithSummary("Set a local account's password")
            .RequirePermission(Permissions.OperatorsManage);
        operators.MapPost("/{operator}/roles", ChangeRoles).WithName("ChangeOperatorRoles")
            .WithSummary("Grant and revoke roles ({grant: [...], revoke: [...]}); a token loses a role its owner loses")
            .RequirePermission(Permissions.OperatorsManage);
        operators.MapPost("/{operator}/disable", Disable).WithName("DisableOperator")
            .WithSummary("Disable an account (a reason is required): it cannot sign in and its tokens stop working; it is never deleted")
            .RequirePermission(Permissions.OperatorsManage);
        operators.MapPost("/{operator}/enable", Enable).WithName("EnableOperator").WithSummary("Enable a disabled account (a reason is required)")
            .RequirePermission(Permissions.OperatorsManage);

        var tokens = app.MapArea("/api/tokens", "Operators");
        tokens.MapGet("/", ListTokens).WithName("ListTokens").WithSummary("Every API token, newest first (never a secret)")
            .RequirePermission(Permissions.OperatorsManage);
        tokens.MapPost("/service", CreateService).WithName("CreateServiceToken")
            .WithSummary("Create a service token (a principal of its own, service:NAME) with roles; its secret is in this answer only")
            .RequirePermission(Permissions.OperatorsManage);
        tokens.MapDelete("/{token}", Revoke).WithName("RevokeToken").WithSummary("Revoke any token; servers refuse it within their token cache's lifetime")
            .RequirePermission(Permissions.OperatorsManage);

        var emergency = app.MapArea("/api/emergency-access", "Operators");
        emergency.MapGet("/", ListEmergency).WithName("ListEmergencyAccess").WithSummary("Emergency access requests and grants, newest first")
            .RequirePermission(Permissions.AuditRead);
        emergency.MapPost("/", RequestEmergency).WithName("RequestEmergencyAccess")
            .WithSummary("Ask for emergency access with a reason; a different admin must confirm it")
            .RequirePermission(Permissions.EmergencyRequest);
        emergency.MapPost("/{grant}/confirm", ConfirmEmergency).WithName("ConfirmEmergencyAccess")
            .WithSummary("Confirm someone else's emergency access: they hold every permission for an hour, every use audited")
            .RequirePermission(Permissions.EmergencyConfirm);
        emergency.MapPost("/{grant}/end", EndEmergency).WithName("EndEmergencyAccess").WithSummary("End emergency access before it expires")
            .RequirePermission(Permissions.EmergencyRequest);
        return app;
    }

    public static async Task<Ok<IReadOnlyList<OperatorAccount>>> List(LifeboatPlatform platform, CancellationToken cancellationToken,
        bool includeDisabled = true, int limit = Operators.MaxList) =>
        TypedResults.Ok(await platform.Operators.ListAsync(includeDisabled, limit, cancellationToken));

    public static async Task<Created<OperatorAccount>> Create(CreateOperatorRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var origin = request.Origin?.ToLowerInvariant() switch
        {
            null or "local" => OperatorOrigin.Local,
            "oidc" => OperatorOrigin.OpenIdConnect,
            "os" => OperatorOrigin.OsUser,
            _ => throw new PlatformException(PlatformErrorKind.Invalid, $"origin '{request.Origin}' is not one: use local, oidc or os."),
        };
        var created = await platform.Operators.CreateAsync(request.Login, request.DisplayName ?? request.Login, request.Roles, origin, request.ExternalSubject,
            request.Password, cancellationToken);
        return TypedResults.Created($"/api/operators/{created.Id}", created);
    }

    public static async Task<Ok<OperatorAccount>> Get(string @operator, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Operators.GetAsync(OperatorId.Parse(@operator), cancellationToken));

    public static async Task<NoContent> SetPassword(string @operator, SetPasswordRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        await platform.Operators.SetPasswordAsync(OperatorId.Parse(@operator), request.Password, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<OperatorAccount>> ChangeRoles(string @operator, ChangeRolesRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var id = OperatorId.Parse(@operator);
        if (request.Grant is { Count: > 0 } grant)
        {
            await platform.Operators.GrantRolesAsync(id, grant, cancellationToken);
        }

        if (request.Revoke is { Count: > 0 } revoke)
        {
            await platform.Operators.RevokeRolesAsync(id, revoke, cancellationToken);
        }

        return TypedResults.Ok(await platform.Operators.GetAsync(id, cancellationToken));
    }

    public static async Task<Ok<ChangeResult>> Disable(string @operator, ReasonRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ChangeResult(await platform.Operators.DisableAsync(OperatorId.Parse(@operator), request.Reason, cancellationToken)));

    public static async Task<Ok<ChangeResult>> Enable(string @operator, ReasonRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ChangeResult(await platform.Operators.EnableAsync(OperatorId.Parse(@operator), request.Reason, cancellationToken)));

    public static async Task<Ok<IReadOnlyList<ApiToken>>> ListTokens(LifeboatPlatform platform, CancellationToken cancellationToken,
        bool includeRevoked = false, int limit = ApiTokens.MaxList) =>
        TypedResults.Ok(await platform.Tokens.ListAsync(null, includeRevoked, limit, cancellationToken));

    public static async Task<Created<CreatedApiToken>> CreateService(CreateServiceTokenRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var created = await platform.Tokens.CreateServiceAsync(request.Service, request.Name, request.Roles, AccountEndpoints.Days(request.ExpiresInDays), cancellationToken);
        return TypedResults.Created($"/api/tokens/{created.Token.Id}", created);
    }

    public static async Task<Ok<ChangeResult>> Revoke(string token, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ChangeResult(await platform.Tokens.RevokeAsync(ApiTokenId.Parse(token), cancellationToken)));

    public static async Task<Ok<IReadOnlyList<EmergencyGrant>>> ListEmergency(LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.EmergencyAccess.ListAsync(cancellationToken));

    public static async Task<Created<EmergencyGrant>> RequestEmergency(ReasonRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var grant = await platform.EmergencyAccess.RequestAsync(request.Reason, cancellationToken);
        return TypedResults.Created($"/api/emergency-access/{grant.Id}", grant);
    }

    public static async Task<Ok<EmergencyGrant>> ConfirmEmergency(string grant, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.EmergencyAccess.ConfirmAsync(EmergencyAccessId.Parse(grant), cancellationToken));

    public static async Task<Ok<ChangeResult>> EndEmergency(string grant, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ChangeResult(await platform.EmergencyAccess.EndAsync(EmergencyAccessId.Parse(grant), cancellationToken)));
}

public sealed record CreateOperatorRequest(string Login, IReadOnlyList<string> Roles, string? DisplayName = null, string? Password = null, string? Origin = null,
    string? ExternalSubject = null);

public sealed record ChangeRolesRequest(IReadOnlyList<string>? Grant = null, IReadOnlyList<string>? Revoke = null);

public sealed record CreateServiceTokenRequest(string Service, string Name, IReadOnlyList<string> Roles, int? ExpiresInDays = null);

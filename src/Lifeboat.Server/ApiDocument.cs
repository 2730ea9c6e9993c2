using System.Reflection;
using Lifeboat.Platform;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;

namespace Lifeboat.Server;

/// <summary>The OpenAPI document (/openapi/v1.json), with typed IDs shown as the strings they are on the wire.</summary>
public static class ApiDocument
{
    public const string BearerScheme = "bearer";
    public const string CookieScheme = "session";
    public const string OidcScheme = "oidc";

    public static IServiceCollection AddLifeboatOpenApi(this IServiceCollection services, IConfiguration configuration) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Lifeboat API";
                document.Info.Description = "The control plane of a multi-tenant SaaS: sites, products and licences, apps, identity, flags, contacts, " +
                    $"lifecycle events, the store's tenants, and change plans with the detector's alerts and the audit log. Errors are application/problem+json. " +
                    "Every endpoint but the few marked anonymous needs a principal: an API token (Authorization: Bearer lbt_…) or the console's session cookie; " +
                    "each operation says the permission it needs (401 without credentials, 403 without the permission).";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "lbt_…",
                    Description = "An API token: lifeboat login, POST /api/me/tokens, or an admin's POST /api/tokens/service.",
                };
                document.Components.SecuritySchemes[CookieScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Cookie,
                    Name = ServerSecurity.CookieName,
                    Description = "The console's session, set by POST /account/sign-in.",
                };
                if (configuration[OidcSignIn.AuthorityKey] is { Length: > 0 } authority)
                {
                    document.Components.SecuritySchemes[OidcScheme] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.OpenIdConnect,
                        OpenIdConnectUrl = new Uri(authority.TrimEnd('/') + "/.well-known/openid-configuration"),
                        Description = "The company's identity provider; it signs in to the console (a session cookie).",
                    };
                }

                return Task.CompletedTask;
            });

            // Typed IDs are JSON strings (PlatformJson's converter), not objects with a Value property.
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (KindOf(context.JsonTypeInfo.Type) is { } kind)
                {
                    schema.Type = JsonSchemaType.String;
                    schema.Properties?.Clear();
                    schema.Required?.Clear();
                    schema.Pattern = $"^{kind.Prefix}_[0-9a-z]{{2,40}}$";
                    schema.Description = $"{kind.Described}";
                }

                return Task.CompletedTask;
            });

            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<RequiredPermission>().LastOrDefault() is { } required)
                {
                    operation.Description = $"{operation.Description}{(string.IsNullOrEmpty(operation.Description) ? "" : "\n\n")}Needs the permission {required.Permission}.";
                    operation.Security =
                    [
                        new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] },
                        new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(CookieScheme, context.Document)] = [] },
                    ];
                }
                else if (metadata.OfType<IAllowAnonymous>().Any())
                {
                    operation.Description = $"{operation.Description}{(string.IsNullOrEmpty(operation.Description) ? "" : "\n\n")}Anonymous: no credentials needed (rate-limited).";
                    operation.Security = [];
                }

                return Task.CompletedTask;
            });
        });

    private static IdKind? KindOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ITypedId<>))
            ? type.GetProperty(nameof(ITypedId<>.Kind), BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as IdKind
            : null;
    }
}

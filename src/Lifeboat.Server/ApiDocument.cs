using System.Reflection;
using Lifeboat.Platform;
using Microsoft.OpenApi;

namespace Lifeboat.Server;

/// <summary>The OpenAPI document (/openapi/v1.json), with typed IDs shown as the strings they are on the wire.</summary>
public static class ApiDocument
{
    public static IServiceCollection AddLifeboatOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Lifeboat API";
                document.Info.Description = "The control plane of a multi-tenant SaaS: sites, products and licences, apps, identity, flags, contacts, " +
                    $"lifecycle events, the store's tenants, and change plans with the detector's alerts and the audit log. Errors are application/problem+json. Send {Actors.Header} to say who acts (default: {Actors.Default}).";
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
                if (!HttpMethods.IsGet(context.Description.HttpMethod ?? ""))
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = Actors.Header,
                        In = ParameterLocation.Header,
                        Description = $"Who is acting, recorded with every change (default: {Actors.Default}).",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    });
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

import Foundation
import Testing

/// contrib/kubernetes: every manifest passes kubernetes-validate (PyPI; the API's JSON schemas,
/// strict: no unknown field), and every certaudit option a container passes exists in that command's
/// help, so that the manifests cannot drift from the command line.
@Suite struct KubernetesManifestTests {
    static let folder = Fixtures.repositoryRoot + "/contrib/kubernetes"
    static let venv = Fixtures.repositoryRoot + "/.build-tools/venv/bin"

    static var manifests: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test func manifestsValidateStrictly() {
        #expect(Self.manifests.count == 3)
        let result = Fixtures.run(Self.venv + "/kubernetes-validate", ["--strict"] + Self.manifests.map { Self.folder + "/" + $0 })
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(!result.stdout.contains("ERROR") && !result.stderr.contains("ERROR"))
    }

    @Test func containerArgumentsAreCertauditOptions() throws {
        // The args of every container, from the YAML (PyYAML comes with kubernetes-validate).
        let script = """
            import json, sys, yaml
            out = []
            for path in sys.argv[1:]:
                for document in yaml.safe_load_all(open(path)):
                    spec = document.get("spec", {})
                    spec = spec.get("jobTemplate", {}).get("spec", spec)
                    for container in spec.get("template", {}).get("spec", {}).get("containers", []):
                        out.append(container["args"])
            print(json.dumps(out))
            """
        let extracted = Fixtures.run(Self.venv + "/python3", ["-c", script] + Self.manifests.map { Self.folder + "/" + $0 })
        #expect(extracted.status == 0, "\(extracted.stderr)")
        let argumentLists = try #require(try JSONSerialization.jsonObject(with: Data(extracted.stdout.utf8)) as? [[String]])
        #expect(argumentLists.count == 3)
        for arguments in argumentLists {
            let command = try #require(arguments.first)
            let help = Fixtures.run(Fixtures.executable, ["help", command], environment: ["COLUMNS": "200"]).stdout
            for argument in arguments.dropFirst() where argument.hasPrefix("--") {
                let name = String(argument.prefix { $0 != "=" })
                #expect(help.contains(name + " ") || help.contains(name + "\n"), "certaudit \(command) has no \(name)")
            }
        }
    }
}

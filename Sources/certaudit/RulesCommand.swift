import ArgumentParser
import CertAudit

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List, explain and check rules.",
        subcommands: [List.self, Explain.self, Facts.self, Test.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List profiles and their rules.")
        @OptionGroup var ruleOptions: RuleOptions

        func run() throws {
            let catalog = try ruleOptions.loadCatalog(parameters: Set(EvaluationContext.defaultParameters.keys))
            for profile in catalog.profiles {
                print("\(profile.name)\(profile.enabledByDefault ? " (default)" : "") — \(profile.title)")
                if let scope = profile.scope {
                    print("  applies to: \(scope)")
                }
                for rule in catalog.rules where rule.profile == profile.name {
                    print("  \(rule.severity.rawValue.padding(to: 8)) \(rule.id)  \(rule.title)")
                }
                print("")
            }
            for products in catalog.products {
                print(
                    "products: \(products.vendor) (--vendor \(products.id)) — \(products.products.map(\.name).joined(separator: ", "))")
            }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a rule: what it checks, why, and how to fix it.")
        @Argument(help: "Rule id, e.g. browser.ku-lacks-digital-signature")
        var ruleId: String
        @OptionGroup var ruleOptions: RuleOptions

        func run() throws {
            let catalog = try ruleOptions.loadCatalog(parameters: Set(EvaluationContext.defaultParameters.keys))
            guard let rule = catalog.rule(id: ruleId) else {
                throw UsageFailure("no rule '\(ruleId)' (see 'certaudit rules list')")
            }
            print("\(rule.id) — \(rule.title)")
            print("profile: \(rule.profile)    severity: \(rule.severity.rawValue)")
            print("defined in: \(rule.file):\(rule.line ?? 0)")
            print("\ncitations:")
            for citation in rule.citations {
                print("  - \(citation.title)\(citation.url.map { " <\($0)>" } ?? "")")
            }
            if !rule.remediation.isEmpty {
                print("\nremediation: \(rule.remediation)")
            }
            print("\nrule as written:\n")
            print(rule.sourceText)
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every rule's examples: each must fire on its triggers and stay silent on its passes.",
            discussion: "Examples are judged at the time their rule file pins ('at:'), else now; --at overrides both.")
        @OptionGroup var ruleOptions: RuleOptions
        @OptionGroup var clock: ClockOptions
        @OptionGroup var password: PasswordFileOption

        func run() throws {
            let catalog = try ruleOptions.loadCatalog(parameters: Set(EvaluationContext.defaultParameters.keys))
            let runner = RuleExampleRunner(
                products: catalog.products, context: EvaluationContext(now: clock.now),
                passwords: try password.candidates(), overrideTime: clock.at)
            var failed = 0
            let rules = catalog.rules.filter { !$0.raisedByPolicy }  // raised by waivers: no certificate examples
            for rule in rules {
                let count = rule.examples.triggers.count + rule.examples.passes.count
                guard count > 0 else {
                    print("no examples  \(rule.id)")
                    continue
                }
                let failures = runner.failures(of: rule)
                if failures.isEmpty {
                    print("ok           \(rule.id) (\(count) examples)")
                } else {
                    failed += 1
                    print("FAILED       \(rule.id)")
                    failures.forEach { print("               \($0)") }
                }
            }
            print("\(rules.count - failed) of \(rules.count) rules behave as their examples say")
            if failed > 0 {
                throw ExitCode(1)
            }
        }
    }

    struct Facts: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the facts conditions can test.")

        func run() throws {
            for fact in FactCatalog.all {
                print("\(fact.name.padding(to: 24)) \(fact.accessor.typeName.padding(to: 18)) \(fact.summary)")
            }
        }
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

@protocol @platform
Feature: Payloads the backend cannot read are kept with their reason, never dropped

  @smoke
  Scenario: a payload from the future is kept, not dropped
    Given the platform is running
    When a device publishes telemetry with protocol version 9
    Then the backend keeps it as a dead letter with the reason "unknown protocol version 9"
    And no reading is stored for that device

  Scenario: a payload that is not JSON is kept with the parser's complaint
    Given the platform is running
    When a device publishes the telemetry payload:
      """
      {"v":2,"node_id":"0badc0ffee00","boot":1,"seq":
      """
    Then the backend keeps it as a dead letter with the reason "malformed JSON"
    And no reading is stored for that device

  Scenario: a field of the wrong type is named in the reason
    Given the platform is running
    When a device publishes the telemetry payload:
      """
      {"v":2,"node_id":"0badc0ffee00","boot":1,"seq":"one","temperature_c":21.5}
      """
    Then the backend keeps it as a dead letter with the reason "seq"
    And no reading is stored for that device

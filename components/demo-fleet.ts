/** placeholder until the services land */
import * as pulumi from "@pulumi/pulumi";
import { componentType, type WorkloadComponentArgs } from "./common";
export class DemoFleet extends pulumi.ComponentResource {
  constructor(name: string, _args: WorkloadComponentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(componentType("DemoFleet"), name, {}, opts);
    this.registerOutputs({});
  }
}

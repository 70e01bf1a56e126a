// Everything the serialized providers load at run time (see index.ts for why they load it).
import * as network from "./network";
import * as pool from "./pool";
import * as volume from "./volume";
import * as domain from "./domain";

export { network, pool, volume, domain };
